// The box manifest (custom section `boxer.manifest`, canonical JSON): everything about a box except its
// files. Readers refuse a newer major `formatVersion` (DESIGN §0.11).
import type { ImageConfig } from '@boxer/image';
import type { SnapshotStats } from '@boxer/vfs';

/** `major.minor`; a reader accepts any minor of its own major. */
export const FORMAT_VERSION = '1.0';
export const FORMAT_MAJOR = 1;

export const SECTION_MANIFEST = 'boxer.manifest';
export const SECTION_INDEX = 'boxer.snapshot.index';
export const SECTION_DATA = 'boxer.snapshot.data';

/**
 * Resource limits of a run. In a manifest they are the box's defaults; `boxer run` flags and the
 * API's `limits` override them, and the runtime caps them at its ceilings (@boxer/runtime's
 * `LIMIT_CEILINGS`). Every value is a whole number; all are enforced (see packages/runtime/README.md).
 */
export interface BoxLimits {
  /**
   * Guest linear memory cap, bytes (whole 64 KiB pages count; at most 4 GiB). The module's memory
   * maximum is lowered to it, so `memory.grow` past it fails in the guest; a module whose minimum
   * is above it is refused (RUNTIME_MEMORY_LIMIT). `--memory`.
   */
  memoryBytes: number;
  /** Wall time, ms; 0 = none; at most 2^31-1. Past it the guest is stopped, exit 124. `--timeout`. */
  timeoutMs: number;
  /** Descriptors are numbered below this (EMFILE past it); 4 to 65536. `--max-fds`. */
  maxFds: number;
  /** stdout + stderr bytes; past it the guest is stopped, exit 153 (RUNTIME_OUTPUT_LIMIT). `--max-output`. */
  maxOutputBytes: number;
  /**
   * Bytes of file data the guest may add to its writable layer (file growth and symlink targets);
   * past it writes fail with ENOSPC. `--max-write`.
   */
  maxWriteBytes: number;
}

export const DEFAULT_LIMITS: BoxLimits = {
  memoryBytes: 256 * 1024 * 1024,
  timeoutMs: 0,
  maxFds: 1024,
  maxOutputBytes: 64 * 1024 * 1024,
  maxWriteBytes: 1024 * 1024 * 1024,
};

/** What the box asks for; nothing here is granted unless the operator says so (`--allow-requested`). */
export interface RequestedGrants {
  /** From EXPOSE: `80/tcp`. */
  ports: string[];
  /** From VOLUME: absolute guest paths. */
  volumes: string[];
}

export interface BuildStep {
  /** 1-based Dockerfile line of the instruction. */
  line: number;
  /** The instruction as written (first line). */
  text: string;
}

export interface BoxManifest {
  formatVersion: string;
  /** Version of boxer that built the box. */
  boxer: string;
  config: ImageConfig;
  /** Set by MAINTAINER (the image's `author`). */
  author?: string;
  requested: RequestedGrants;
  limits: BoxLimits;
  bases: { stage: string; ref: string; digest?: string }[];
  snapshot: SnapshotStats & { digest: string };
  /** Instructions that changed the tree, in order. */
  steps: BuildStep[];
  /** For each path a build step wrote: the index into `steps`. */
  provenance: Record<string, number>;
}
