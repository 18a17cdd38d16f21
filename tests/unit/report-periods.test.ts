import { describe, expect, it } from 'vitest';
import { previousIsoWeek, previousMonth, reportPeriod } from '../../reports/periods.js';

describe('scheduled report periods (America/Guayaquil)', () => {
  it('monthly: the previous calendar month, from the local date of the run', () => {
    // 1 March 07:00 in Guayaquil = 12:00 UTC.
    expect(previousMonth(new Date('2026-03-01T12:00:00Z'))).toEqual({
      from: '2026-02-01',
      to: '2026-02-28',
      today: '2026-03-01',
    });
    // Leap year February.
    expect(previousMonth(new Date('2028-03-15T12:00:00Z')).to).toBe('2028-02-29');
    // January → December of the year before.
    expect(previousMonth(new Date('2027-01-01T12:00:00Z'))).toMatchObject({
      from: '2026-12-01',
      to: '2026-12-31',
    });
  });

  it('monthly: an instant still on the last evening of the month in Guayaquil', () => {
    // 1 April 03:00 UTC is 31 March 22:00 in Guayaquil: the previous month is February.
    expect(previousMonth(new Date('2026-04-01T03:00:00Z'))).toMatchObject({
      from: '2026-02-01',
      to: '2026-02-28',
      today: '2026-03-31',
    });
  });

  it('weekly: the previous ISO week, Monday to Sunday', () => {
    // Monday 2026-11-30 07:00 local.
    expect(previousIsoWeek(new Date('2026-11-30T12:00:00Z'))).toEqual({
      from: '2026-11-23',
      to: '2026-11-29',
      today: '2026-11-30',
    });
    // Sunday 2026-11-29 (still in the week of the 23rd) → the week of the 16th.
    expect(previousIsoWeek(new Date('2026-11-29T20:00:00Z'))).toMatchObject({
      from: '2026-11-16',
      to: '2026-11-22',
    });
    // Across a year boundary: Monday 2027-01-04 → 2026-12-28 … 2027-01-03.
    expect(previousIsoWeek(new Date('2027-01-04T12:00:00Z'))).toMatchObject({
      from: '2026-12-28',
      to: '2027-01-03',
    });
    // Monday 00:30 UTC is still Sunday evening in Guayaquil.
    expect(previousIsoWeek(new Date('2026-11-30T00:30:00Z')).from).toBe('2026-11-16');
  });

  it('reportPeriod picks the period by report', () => {
    const at = new Date('2026-11-30T12:00:00Z');
    expect(reportPeriod('monthly_portfolio', at).from).toBe('2026-10-01');
    expect(reportPeriod('weekly_collectors', at).from).toBe('2026-11-23');
  });
});
