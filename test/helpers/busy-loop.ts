/**
 * Keeps this process's event loop busy: every loop turn spends `turnMs` on the CPU, as under a
 * CPU-bound burst, until the returned function is called.
 */
export function busyLoop(turnMs: number): () => void {
  let spinning = true;
  const spin = () => {
    const end = performance.now() + turnMs;
    while (performance.now() < end);
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  return () => {
    spinning = false;
  };
}
