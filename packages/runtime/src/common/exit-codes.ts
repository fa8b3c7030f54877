// The exit codes boxer gives for what happened to a guest, where it is not the guest's own code.
// They follow what a shell or `docker run` reports for the nearest Linux event, so scripts that
// test `$?` read them the usual way.

/** The guest trapped (unreachable, out-of-bounds access, stack overflow): 128 + SIGABRT, as an aborted container. */
export const EXIT_TRAP = 134;
/** The wall-time limit stopped the guest, as `timeout(1)` reports it. */
export const EXIT_TIMEOUT = 124;
/**
 * The guest wrote more than its output limit and was stopped: 128 + SIGXFSZ (25), what Linux does to
 * a process that writes past its file-size limit (RLIMIT_FSIZE).
 */
export const EXIT_OUTPUT_LIMIT = 153;
/**
 * The reader of boxer's stdout or stderr went away (EPIPE): 128 + SIGPIPE (13), what a shell reports
 * for a writer in `… | head` that the pipe closed on. The CLI exits so, without a message.
 */
export const EXIT_BROKEN_PIPE = 141;
/**
 * The host memory boxer keeps for the run (its tree, its mounts' nodes, its buffers; not the guest's
 * linear memory, which --memory caps) passed HOST_HEAP_MB and the run was stopped: 128 + SIGKILL,
 * what `docker run` reports for a container the OOM killer ended.
 */
export const EXIT_HOST_MEMORY = 137;
/** Megabytes of JS heap a run's worker may use (Worker resourceLimits.maxOldGenerationSizeMb). */
export const HOST_HEAP_MB = 2048;
