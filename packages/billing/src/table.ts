/** A usage report as a person reads an invoice (`cdr usage --format table`). */
import { addMonths, formatMonth, type Month } from './months.js';
import type { UsageReport } from './invoice.js';

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function monthName(month: Month): string {
  return `${MONTH_NAMES[month.month - 1] ?? '?'} ${month.year}`;
}

/**
 * Renders the report as a fixed-width table: a title with the account, usage month, the invoice it is
 * billed on and the plan's included minutes, the five lines (minutes and charges right-aligned), and the
 * total in the account's currency. Every number is printed exactly as in the JSON.
 */
export function formatUsageTable(report: UsageReport): string {
  const [year, month] = report.month.split('-').map(Number) as [number, number];
  const usage = { year, month };
  const invoice = addMonths(usage, 1);
  const header = ['Usage line', 'Minutes', `Charge (${report.currency})`] as const;
  const rows = report.lines.map((line) => [line.line_item, line.minutes, line.charge] as const);
  const widths = [0, 1, 2].map((i) =>
    Math.max(
      header[i]!.length,
      ...rows.map((row) => row[i]!.length),
      i === 2 ? report.total_charge.length : 0,
    ),
  ) as [number, number, number];
  const line = (cells: readonly [string, string, string]): string =>
    `${cells[0].padEnd(widths[0])}  ${cells[1].padStart(widths[1])}  ${cells[2].padStart(widths[2])}\n`;
  const rule = `${'-'.repeat(widths[0] + widths[1] + widths[2] + 4)}\n`;
  return (
    `Account ${report.account_id}: usage of ${monthName(usage)} (${formatMonth(usage)}), ` +
    `billed on the ${monthName(invoice)} invoice\n` +
    `Plan: ${report.included_minutes} included minutes; currency ${report.currency}\n\n` +
    line(header) +
    rule +
    rows.map(line).join('') +
    rule +
    line([`Total usage charges`, '', report.total_charge])
  );
}
