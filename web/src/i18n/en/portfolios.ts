// Portfolio assignment (which collector works each sector or route).
import type { Translation } from '../messages.js';
import type { portfolios as es } from '../es-EC/portfolios.js';

export const portfolios = {
  'port.title': 'Portfolio assignment',
  'port.intro':
    'Assign each sector (or route) to a collector. New cases in the sector go to that collector.',
  'port.reassign': 'Also move the sector’s open cases to the chosen collector',
  'port.table': 'Portfolios by sector',
  'port.col.sector': 'Sector',
  'port.col.route': 'Route',
  'port.col.collector': 'Assigned collector',
  'port.col.openCases': 'Open cases',
  'port.col.balance': 'Balance',
  'port.col.action': 'Action',
  'port.selectLabel': 'Collector for sector {sector}',
  'port.selectLabelRoute': 'Collector for sector {sector}, route {route}',
  'port.sectorRoute': '{sector}, route {route}',
  'port.saved': 'Assignment saved: sector {sector} → {collector}.',
  'port.moved': {
    one: '{count} open case moved to the collector.',
    other: '{count} open cases moved to the collector.',
  },
  'port.moveFailed': {
    one: '{count} case could not be moved; it keeps its previous collector:',
    other: '{count} cases could not be moved; they keep their previous collector:',
  },
  'port.moveFailedCase': 'Case {id}',
  'port.empty': 'No sectors yet. Import the portfolio first.',
  'port.total': 'Total',
  'port.noCollectors': 'There are no active collectors.',
} satisfies Translation<typeof es>;
