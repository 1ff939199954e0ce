export function duration(start?: string | null, end?: string | null): string {
  if (!start || !end) return '—';
  const s = Math.max(0, (new Date(end).getTime() - new Date(start).getTime()) / 1000);
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
