import { createRequire } from 'node:module';

/** boxer's version, recorded in every box it builds. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
