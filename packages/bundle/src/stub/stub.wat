;; The code of every box (DESIGN §3): a stock WASI runtime that runs a box by mistake gets a clear
;; message on stderr and exit code 126 ("cannot execute"), never a silent success.
;; scripts/gen-stub.mjs compiles this file with jco's `parse` into ../stub.generated.ts, and the
;; bundle tests check that the committed bytes still match.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; iovec { buf = 16, len = 81 } at 0; bytes written at 8; the message at 16.
  (data (i32.const 0) "\10\00\00\00\51\00\00\00")
  (data (i32.const 16) "this is a boxer image: run it with `boxer run <file>` (see boxer inspect <file>)\0a")
  (func (export "_start")
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 126))))
