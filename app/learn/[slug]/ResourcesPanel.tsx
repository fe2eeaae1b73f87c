'use client';

import { useSyncExternalStore } from 'react';
import {
  HISTORY_SAMPLES,
  noResourceSamples,
  resourceSamples,
  resourcesOpen,
  setResourcesOpen,
  subscribeResources,
  type ResourceSample,
} from './resource-history';

/**
 * The learner's own sandbox over the last few minutes, so limits are something to watch rather
 * than read about: pids against the ceiling (a fork bomb flattens there), memory against its
 * limit with OOM kills marked, CPU against the quota with throttling shaded. Plain SVG: three
 * small area charts do not need a charting library.
 */

const WIDTH = 300;
const HEIGHT = 56;
const WINDOW_MS = HISTORY_SAMPLES * 1000;

interface Series {
  value: (sample: ResourceSample) => number;
  /** The limit drawn as a dashed line; null when there is none. */
  ceiling: number | null;
  /** Samples to mark with a red tick (an OOM kill, a refused fork). */
  marked: (sample: ResourceSample) => boolean;
  /** Samples to shade (the CPU quota holding the sandbox back). */
  shaded?: (sample: ResourceSample) => boolean;
}

function Chart({
  samples,
  series,
  label,
}: {
  samples: readonly ResourceSample[];
  series: Series;
  label: string;
}) {
  const end = samples.at(-1)?.at ?? 0;
  const peak = Math.max(0, ...samples.map(series.value));
  const top = Math.max(series.ceiling ?? 0, peak * 1.15, 1e-9);
  const x = (at: number) => WIDTH - ((end - at) / WINDOW_MS) * WIDTH;
  const y = (value: number) => HEIGHT - (Math.min(value, top) / top) * (HEIGHT - 2);
  const points = samples.map(
    (sample) => `${x(sample.at).toFixed(1)},${y(series.value(sample)).toFixed(1)}`,
  );
  const first = samples[0];
  const area =
    first && points.length > 1
      ? `M${x(first.at).toFixed(1)},${HEIGHT} L${points.join(' L')} L${WIDTH},${HEIGHT} Z`
      : '';
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
      className="h-14 w-full rounded bg-zinc-900"
    >
      {series.shaded &&
        samples
          .filter(series.shaded)
          .map((sample) => (
            <rect
              key={`s${sample.at}`}
              x={x(sample.at) - 1}
              y={0}
              width={2}
              height={HEIGHT}
              className="fill-amber-500/30"
            />
          ))}
      <path
        d={area}
        className="fill-emerald-500/25 stroke-emerald-400"
        strokeWidth={1}
        vectorEffect="non-scaling-stroke"
      />
      {series.ceiling !== null && (
        <line
          x1={0}
          x2={WIDTH}
          y1={y(series.ceiling)}
          y2={y(series.ceiling)}
          className="stroke-zinc-400"
          strokeDasharray="4 3"
          vectorEffect="non-scaling-stroke"
        />
      )}
      {samples.filter(series.marked).map((sample) => (
        <line
          key={`m${sample.at}`}
          x1={x(sample.at)}
          x2={x(sample.at)}
          y1={0}
          y2={HEIGHT}
          className="stroke-red-500"
          strokeWidth={2}
          vectorEffect="non-scaling-stroke"
        />
      ))}
    </svg>
  );
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
}

function Row(props: { title: string; reading: string; testId: string; children: React.ReactNode }) {
  return (
    <div data-testid={props.testId}>
      <div className="flex justify-between text-xs text-zinc-400">
        <span>{props.title}</span>
        <span className="font-mono" data-testid={`${props.testId}-reading`}>
          {props.reading}
        </span>
      </div>
      {props.children}
    </div>
  );
}

export function ResourcesPanel() {
  const samples = useSyncExternalStore(subscribeResources, resourceSamples, noResourceSamples);
  const open = useSyncExternalStore(subscribeResources, resourcesOpen, () => false);
  const last = samples.at(-1);
  const total = (pick: (sample: ResourceSample) => number) =>
    samples.reduce((sum, sample) => sum + pick(sample), 0);
  const oomKills = total((sample) => sample.oomKills);
  const forkFailures = total((sample) => sample.pidsLimitHits);
  const limit = (value: number | null, format: (value: number) => string) =>
    value === null ? 'no limit' : format(value);
  return (
    <details
      open={open}
      onToggle={(event) => {
        setResourcesOpen(event.currentTarget.open);
      }}
      id="resources"
      className="border-t border-zinc-800 bg-zinc-950 px-3 py-2 text-zinc-200"
    >
      <summary className="cursor-pointer text-sm font-medium select-none">
        Resources
        {last && (
          <span className="ml-2 font-normal text-zinc-400">
            {last.pids} pids · {mebibytes(last.memoryBytes)} · {last.cpuCores.toFixed(2)} CPU
          </span>
        )}
      </summary>
      {last ? (
        <div className="mt-2 grid gap-3 sm:grid-cols-3">
          <Row
            title={`Processes${forkFailures ? ` · ${forkFailures} forks refused` : ''}`}
            reading={`${last.pids} / ${limit(last.pidsMax, String)}`}
            testId="resources-pids"
          >
            <Chart
              samples={samples}
              label="Processes against the pids limit"
              series={{
                value: (sample) => sample.pids,
                ceiling: last.pidsMax,
                marked: (sample) => sample.pidsLimitHits > 0,
              }}
            />
          </Row>
          <Row
            title={`Memory${oomKills ? ` · ${oomKills} OOM kills` : ''}`}
            reading={`${mebibytes(last.memoryBytes)} / ${limit(last.memoryMaxBytes, mebibytes)}`}
            testId="resources-memory"
          >
            <Chart
              samples={samples}
              label="Memory against the memory limit, OOM kills marked"
              series={{
                value: (sample) => sample.memoryBytes,
                ceiling: last.memoryMaxBytes,
                marked: (sample) => sample.oomKills > 0,
              }}
            />
          </Row>
          <Row
            title={`CPU${last.throttled > 0 ? ` · throttled ${Math.round(last.throttled * 100)}%` : ''}`}
            reading={`${last.cpuCores.toFixed(2)} / ${limit(last.cpuQuotaCores, (cores) => cores.toFixed(2))} cores`}
            testId="resources-cpu"
          >
            <Chart
              samples={samples}
              label="CPU use against the CPU quota, throttling shaded"
              series={{
                value: (sample) => sample.cpuCores,
                ceiling: last.cpuQuotaCores,
                marked: () => false,
                shaded: (sample) => sample.throttled > 0.05,
              }}
            />
          </Row>
        </div>
      ) : (
        <p className="mt-2 text-xs text-zinc-400">
          Waiting for the first reading from your sandbox…
        </p>
      )}
    </details>
  );
}
