// The parser the /metrics test reads the text format with (its package ships no types).
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
