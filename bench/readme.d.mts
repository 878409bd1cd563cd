export const START: string;
export const END: string;
/** The README text with the table of these benchmark results between its markers. */
export function withTable(readme: string, results: unknown): string;
