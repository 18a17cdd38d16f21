// Portfolio assignment (which collector works each sector or route).
import type { Messages } from '../messages.js';

export const portfolios = {
  'port.title': 'Asignación de carteras',
  'port.intro':
    'Asigne cada sector (o ruta) a un gestor de cartera. Los casos nuevos del sector se asignan a ese gestor.',
  'port.reassign': 'Mover también los casos abiertos del sector al gestor elegido',
  'port.table': 'Carteras por sector',
  'port.col.sector': 'Sector',
  'port.col.route': 'Ruta',
  'port.col.collector': 'Gestor asignado',
  'port.col.openCases': 'Casos abiertos',
  'port.col.balance': 'Saldo',
  'port.col.action': 'Acción',
  'port.selectLabel': 'Gestor para el sector {sector}',
  'port.selectLabelRoute': 'Gestor para el sector {sector}, ruta {route}',
  'port.sectorRoute': '{sector}, ruta {route}',
  'port.saved': 'Asignación guardada: sector {sector} → {collector}.',
  'port.moved': {
    one: '{count} caso abierto pasó al gestor.',
    other: '{count} casos abiertos pasaron al gestor.',
  },
  'port.moveFailed': {
    one: 'No se pudo mover {count} caso; sigue con su gestor anterior:',
    other: 'No se pudieron mover {count} casos; siguen con su gestor anterior:',
  },
  'port.moveFailedCase': 'Caso {id}',
  'port.empty': 'No hay sectores todavía. Importe la cartera primero.',
  'port.total': 'Total',
  'port.noCollectors': 'No hay gestores de cartera activos.',
} satisfies Messages;
