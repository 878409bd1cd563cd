/** A deterministic generator of numbers in [0, 1) from a seed. */
export function random(seed: number): () => number;
