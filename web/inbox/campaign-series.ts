/**
 * How the campaign chart and its table name a time bucket of the series (campaign-store.ts buckets
 * a run into about 120 of a minute, 5, 15 minutes, an hour, 6 hours or a day).
 */

/** "minute", "5 minutes", "hour", "6 hours", "day". */
export function bucketName(bucketSeconds: number): string {
  const [unit, seconds] =
    bucketSeconds % 86_400 === 0
      ? ['day', 86_400]
      : bucketSeconds % 3600 === 0
        ? ['hour', 3600]
        : ['minute', 60];
  const n = bucketSeconds / seconds;
  return n === 1 ? unit : `${n} ${unit}s`;
}

/** When a bucket starts, as precisely as its size needs: "10:20 PM", "Dec 7, 10 PM", "Dec 7". */
export function bucketStart(at: Date, bucketSeconds: number): string {
  return at.toLocaleString(
    undefined,
    bucketSeconds >= 86_400
      ? { month: 'short', day: 'numeric' }
      : bucketSeconds >= 3600
        ? { month: 'short', day: 'numeric', hour: 'numeric' }
        : { hour: '2-digit', minute: '2-digit' },
  );
}
