// Preloaded into the bench's server processes (node --expose-gc --import): SIGUSR2 runs a full
// garbage collection. bench/run.ts sends it to the process it is about to measure once the run's
// sessions are open, so that every run starts from a collected heap: without it, the garbage of one
// run (1000 sessions in a closed loop) was collected during the next (5000 sessions a message a
// second), and which path paid for it depended on the order of the paths in the round.

process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write('GC\n');
});
