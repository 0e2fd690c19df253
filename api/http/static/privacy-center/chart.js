// Reads per month as an inline SVG bar chart, drawn here: a dozen bars need no chart library.
// Colours come from the stylesheet (classes), so the strict style policy holds.

import { svg } from "./dom.js";
import { t } from "./i18n.js";

const MONTHS = 12;
const WIDTH = 360;
const HEIGHT = 150;
const TOP = 18;
const BOTTOM = 22;

function monthKey(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

// The last twelve months, oldest first, each with how many of `times` fall in it (local time).
export function readsPerMonth(times, now = new Date()) {
  const months = [];
  for (let back = MONTHS - 1; back >= 0; back -= 1) {
    const month = new Date(now.getFullYear(), now.getMonth() - back, 1);
    months.push({ key: monthKey(month), label: String(month.getMonth() + 1), count: 0 });
  }
  const byKey = new Map(months.map((month) => [month.key, month]));
  for (const time of times) {
    const month = byKey.get(monthKey(new Date(time)));
    if (month) month.count += 1;
  }
  return months;
}

export function monthlyChart(months, titleId) {
  const total = months.reduce((sum, month) => sum + month.count, 0);
  const highest = Math.max(1, ...months.map((month) => month.count));
  const slot = WIDTH / months.length;
  const usable = HEIGHT - TOP - BOTTOM;
  const bars = months.map((month, index) => {
    const height = (month.count / highest) * usable;
    const x = index * slot;
    const y = HEIGHT - BOTTOM - height;
    return svg(
      "g",
      { class: "month", "data-month": month.key, "data-count": month.count },
      svg(
        "rect",
        { class: "bar", x: x + slot * 0.15, y, width: slot * 0.7, height },
        svg("title", { text: t("access.bar", { month: month.key, n: month.count }) }),
      ),
      month.count > 0
        ? svg("text", { class: "value", x: x + slot / 2, y: y - 4, "text-anchor": "middle" }, String(month.count))
        : null,
      svg("text", { class: "label", x: x + slot / 2, y: HEIGHT - 6, "text-anchor": "middle" }, month.label),
    );
  });
  return svg(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-labelledby": titleId,
      "aria-describedby": `${titleId}-summary`,
      class: "bars",
    },
    svg("desc", { id: `${titleId}-summary`, text: t("access.chartSummary", { n: total }) }),
    svg("line", { class: "axis", x1: 0, x2: WIDTH, y1: HEIGHT - BOTTOM, y2: HEIGHT - BOTTOM }),
    bars,
  );
}
