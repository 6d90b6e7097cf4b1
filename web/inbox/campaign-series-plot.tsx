import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import type * as Api from '../../contracts/inbox-api';
import { bucketStart } from './campaign-series';

/**
 * The campaign's sends and deliveries per time bucket, drawn by uPlot (a small canvas chart for time
 * series). Its own module so the inbox loads it only when a campaign's results are shown: the
 * inbox page is open all day, the campaign results now and then. The canvas is an image to
 * assistive technology; its figures are in text beside it (campaign-chart.tsx).
 */
type Series = Api.CampaignStatsView['series'];

/** Each bar is this share of its bucket: sends in its first half, deliveries in its second. */
const BAR = 0.4;
const HEIGHT = 160;
/** Steps between the time axis' ticks, in seconds: from a minute to a week. */
const TIME_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 10_080].map((minutes) => minutes * 60);

/** The page's colours (styles.css), read when the chart is made: a canvas cannot use var(). */
function palette(el: HTMLElement) {
  const style = getComputedStyle(el);
  const color = (name: string) => style.getPropertyValue(name).trim();
  return {
    sent: color('--accent'),
    delivered: color('--green'),
    text: color('--muted'),
    grid: color('--line'),
  };
}

// Dark mode follows the system setting (styles.css); the chart is drawn again when it flips.
const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');
const subscribeScheme = (onChange: () => void) => {
  const query = darkQuery();
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
};
const useDarkScheme = () => useSyncExternalStore(subscribeScheme, () => darkQuery().matches);

/** A bar series placed by hand: its left edge `shift` buckets after the bucket's start. */
function bars(label: string, fill: string, bucketSeconds: number, shift: number): uPlot.Series {
  return {
    label,
    fill,
    stroke: fill,
    width: 0,
    // uPlot marks the points of a sparse series; bars need no marks.
    points: { show: false },
    paths: uPlot.paths.bars!({
      // Two bars side by side per bucket, sized in time rather than by the gap to the nearest
      // bucket: buckets with no sends are not in the series, and bars keep one width across them.
      disp: {
        x0: { unit: 1, values: (u) => Array.from(u.data[0], (at) => at + shift * bucketSeconds) },
        size: { unit: 1, values: () => [BAR * bucketSeconds] },
      },
    }),
  };
}

function options(el: HTMLElement, bucketSeconds: number): uPlot.Options {
  const colors = palette(el);
  const axis = { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { show: false } };
  return {
    width: el.clientWidth,
    height: HEIGHT,
    // Room on the right for the last tick's time, centred on the plot's edge.
    padding: [12, 32, null, null],
    legend: { show: false },
    cursor: { show: false },
    scales: {
      // From the first bucket's start to the last one's end. Read from the data: uPlot would widen a
      // lone point's min..max to 86,400 of the x unit.
      x: {
        time: true,
        range: (u, min, max) => {
          const at = u.data[0];
          if (at.length === 0) return [min, max];
          return [at[0]!, at[at.length - 1]! + bucketSeconds];
        },
      },
      y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    axes: [
      // Ticks no closer than a bucket, named as the table names them.
      {
        ...axis,
        space: 70,
        incrs: TIME_STEPS.filter((step) => step >= bucketSeconds),
        values: (_u, ticks) => ticks.map((at) => bucketStart(new Date(at * 1000), bucketSeconds)),
      },
      // Counts: whole numbers only.
      { ...axis, size: 40, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5] },
    ],
    series: [
      {},
      bars('Sent', colors.sent, bucketSeconds, (1 - 2 * BAR) / 2),
      bars('Delivered', colors.delivered, bucketSeconds, 1 / 2),
    ],
  };
}

const plotData = (series: Series): uPlot.AlignedData => [
  series.points.map((p) => Date.parse(p.at) / 1000),
  series.points.map((p) => p.sent),
  series.points.map((p) => p.delivered),
];

function Plot({ series }: { series: Series }) {
  const box = useRef<HTMLDivElement>(null);
  const [plot, setPlot] = useState<uPlot | null>(null);
  const { bucketSeconds } = series;

  // Made once per bucket size, fitted to its box as the layout changes (a phone held sideways).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const made = new uPlot(options(el, bucketSeconds), [[], [], []], el);
    const fit = new ResizeObserver(() => made.setSize({ width: el.clientWidth, height: HEIGHT }));
    fit.observe(el);
    setPlot(made);
    return () => {
      fit.disconnect();
      made.destroy();
    };
  }, [bucketSeconds]);

  // Each live push (`campaign.progress`) redraws the same chart with the new figures.
  useEffect(() => {
    plot?.setData(plotData(series));
  }, [plot, series]);

  return <div ref={box} className="campaign-chart-plot" />;
}

export default function CampaignSeriesPlot({ series }: { series: Series }) {
  // Its colours are read when it is made: a flip of the system's scheme makes it anew.
  const scheme = useDarkScheme() ? 'dark' : 'light';
  return <Plot key={scheme} series={series} />;
}
