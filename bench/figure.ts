/** Prints a bench figure, and keeps it for the results file (bench/results.ts). Light: benches that measure their own RSS import this, not support.ts. */
import { keepFigure } from './results.js';

export function figure(name: string, value: number | string, unit = ''): void {
  console.log(`${name.padEnd(44)} ${String(value).padStart(10)} ${unit}`);
  keepFigure(name, value, unit);
}
