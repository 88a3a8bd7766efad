"use client";
// ECharts, client-side only (imported in an effect), following the console's light/dark theme.
import { useEffect, useRef, useState } from "react";
import { currentTheme } from "../../lib/theme";

export interface ChartSeries {
  label: string;
  points: number[];
}

export type ChartKind = "area" | "lines" | "sankey";

export function FlowChart({ buckets, series, kind = "area", unit, height = 260, links, testId }: { buckets: number[]; series: ChartSeries[]; kind?: ChartKind; unit: string; height?: number; links?: { source: string; target: string; value: number }[]; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const theme = useThemeName();
  useEffect(() => {
    let disposed = false;
    let chart: { setOption: (o: unknown, notMerge?: boolean) => void; dispose: () => void; resize: () => void } | null = null;
    let ro: ResizeObserver | null = null;
    void import("echarts").then((echarts) => {
      if (disposed || !el.current) return;
      const dark = theme === "dark";
      chart = echarts.init(el.current, dark ? "dark" : undefined, { renderer: "canvas" });
      const text = dark ? "#cbd5e1" : "#334155";
      const line = dark ? "#263040" : "#e5e7eb";
      // the actions keep their status colours (the badges' tones); other series take the palette
      const css = getComputedStyle(document.documentElement);
      const tone = (v: string, d: string) => css.getPropertyValue(v).trim() || d;
      const ACTION: Record<string, string> = { pass: tone("--ok", "#18794e"), deny: tone("--danger", "#b42318"), drop: tone("--warn", "#9a5b00"), other: dark ? "#64748b" : "#94a3b8" };
      if (kind === "sankey") {
        // src → dst: the same name on both sides would be a cycle; suffix the targets
        const nodes = new Set<string>();
        const data = (links ?? []).map((l) => {
          nodes.add(short(l.source));
          nodes.add(`${short(l.target)} `);
          return { source: short(l.source), target: `${short(l.target)} `, value: l.value };
        });
        chart.setOption({ backgroundColor: "transparent", tooltip: { trigger: "item" }, series: [{ type: "sankey", data: [...nodes].map((name) => ({ name })), links: data, label: { color: text }, emphasis: { focus: "adjacency" } }] }, true);
      } else {
        chart.setOption(
          {
            backgroundColor: "transparent",
            animation: false,
            tooltip: { trigger: "axis", valueFormatter: (v: number) => `${fmt(v)} ${unit}` },
            legend: { type: "scroll", top: 0, icon: "roundRect", itemWidth: 10, itemHeight: 10, textStyle: { color: text } },
            grid: { left: 60, right: 16, top: 32, bottom: 28 },
            xAxis: { type: "time", axisLabel: { color: text }, axisLine: { lineStyle: { color: line } } },
            yAxis: { type: "value", axisLabel: { color: text, formatter: (v: number) => fmt(v) }, splitLine: { lineStyle: { color: line } } },
            series: series.map((s) => ({
              name: short(s.label),
              type: "line",
              showSymbol: false,
              lineStyle: { width: 1.5 },
              color: ACTION[s.label],
              stack: kind === "area" ? "total" : undefined,
              areaStyle: kind === "area" ? { opacity: 0.35 } : undefined,
              data: buckets.map((b, i) => [b, s.points[i] ?? 0]),
            })),
          },
          true,
        );
      }
      ro = new ResizeObserver(() => chart?.resize());
      ro.observe(el.current);
    });
    return () => {
      disposed = true;
      ro?.disconnect();
      chart?.dispose();
    };
  }, [buckets, series, kind, unit, links, theme]);
  return <div ref={el} style={{ height }} className="w-full" data-testid={testId} />;
}

export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** The console's theme, following the switch (a class on <html>) so charts redraw in its colours. */
function useThemeName() {
  const [theme, setTheme] = useState<string>("light");
  useEffect(() => {
    setTheme(currentTheme());
    const mo = new MutationObserver(() => setTheme(currentTheme()));
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
    return () => mo.disconnect();
  }, []);
  return theme;
}

/** Names as people read them in dense views: the default domain goes (the full name is in the tooltip / drawer). */
export function short(name: string): string {
  return name.replaceAll("default-domain:", "");
}
