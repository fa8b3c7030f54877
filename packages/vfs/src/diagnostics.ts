// Every diagnostic @boxer/vfs raises.
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';

export const BOX_SNAPSHOT_INVALID = 'BOX_SNAPSHOT_INVALID';
export function invalidSnapshot(why: string, hint = 'rebuild the box with `boxer build`; a box that was edited by hand or truncated cannot be read'): Diagnostic {
  return { code: BOX_SNAPSHOT_INVALID, severity: 'error', message: `the box's snapshot is invalid: ${why}`, hint, url: docsUrl(BOX_SNAPSHOT_INVALID) };
}
