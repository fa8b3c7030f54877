// Byte counts for messages: `268435456` → `256 MiB`.

const UNITS: [number, string][] = [[1024 ** 4, 'TiB'], [1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']];

/** A size in binary units when it is a whole number of them, else in bytes. */
export function formatSize(n: number): string {
  for (const [size, unit] of UNITS) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  for (const [size, unit] of UNITS) if (n >= size) return `${(n / size).toFixed(1)} ${unit} (${n} bytes)`;
  return `${n} bytes`;
}
