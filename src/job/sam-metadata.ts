/** File fields SAM accepts in a declaration; anything else must be a category.name parameter. */
export const SAM_FILE_FIELDS = new Set([
  'file_name',
  'file_size',
  'checksum',
  'create_date',
  'user',
  'group',
  'content_status',
  'file_type',
  'file_format',
  'data_tier',
  'data_stream',
  'application',
  'event_count',
  'first_event',
  'last_event',
  'start_time',
  'end_time',
  'runs',
  'parents',
  'process_id',
]);

/**
 * Keeps the keys SAM would accept — known file fields, and parameters `category.name` whose
 * category the experiment defines — and names the rest. art's metadata dumper emits keys
 * SAM rejects (the SBND production notes); declaring them would fail the whole file.
 */
export function samCompliant(
  metadata: Record<string, unknown>,
  categories: readonly string[],
): { kept: Record<string, unknown>; dropped: string[] } {
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(metadata)) {
    const category = /^([A-Za-z][\w-]*)\.[\w.-]+$/.exec(k)?.[1];
    if (SAM_FILE_FIELDS.has(k) || (category !== undefined && categories.includes(category)))
      kept[k] = v;
    else dropped.push(k);
  }
  return { kept, dropped };
}

/** Adler-32, the checksum dCache and enstore record for a file. */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}
