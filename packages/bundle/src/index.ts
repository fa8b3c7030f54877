export { bundle } from './bundle.js';
export type { BundleInput, BundleResult } from './bundle.js';
export { readBox } from './read.js';
export type { OpenedBox, ReadBoxOptions } from './read.js';
export { FORMAT_VERSION, FORMAT_MAJOR, DEFAULT_LIMITS, SECTION_MANIFEST, SECTION_INDEX, SECTION_DATA } from './manifest.js';
export type { BoxManifest, BoxLimits, BuildStep, RequestedGrants } from './manifest.js';
export { sections, customSection, isWasmModule, encodeU32, decodeU32, concatBytes, WasmFormatError } from './wasm.js';
export type { Section } from './wasm.js';
export { BOX_NOT_WASM, BOX_NOT_A_BOX, BOX_MALFORMED, BOX_TOO_NEW } from './diagnostics.js';
