import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import type { ReactNode } from 'react';

export type Locale = 'es-EC' | 'en';
export const LOCALES: readonly Locale[] = ['es-EC', 'en'];
export const DEFAULT_LOCALE: Locale = 'es-EC';
const STORAGE_KEY = 'cartera.locale';

const es = {
  'app.name': 'Cartera',
  'app.unit': 'Cartera, Cobranzas y Coactivas',
  'app.skip': 'Saltar al contenido',
  'nav.label': 'Navegación principal',
  'nav.cases': 'Casos',
  'nav.import': 'Importar cartera',
  'header.language': 'Idioma',
  'header.logout': 'Cerrar sesión',
  'header.signedInAs': 'Sesión de {name}',
  'locale.es-EC': 'Español',
  'locale.en': 'English',

  'role.collector': 'Gestor de cartera',
  'role.legal': 'Asesoría jurídica',
  'role.manager': 'Supervisor de cartera',
  'role.admin': 'Administrador',

  'common.loading': 'Cargando…',
  'common.none': '—',
  'common.yes': 'Sí',
  'common.no': 'No',
  'common.retry': 'Reintentar',
  'common.back': 'Volver',

  'error.network': 'No se pudo conectar con el servidor. Revise su conexión e intente de nuevo.',
  'error.unexpected': 'El servidor respondió con un error inesperado (HTTP {status}).',
  'error.forbidden': 'No tiene permiso para ver esta página.',
  'error.notFound': 'La página solicitada no existe.',

  'login.title': 'Iniciar sesión',
  'login.intro': 'Ingrese con su usuario institucional.',
  'login.username': 'Usuario',
  'login.password': 'Contraseña',
  'login.submit': 'Ingresar',
  'login.submitting': 'Ingresando…',
  'login.required': 'Ingrese usuario y contraseña.',
  'login.expired': 'Su sesión terminó. Vuelva a iniciar sesión.',

  'cases.title': 'Casos',
  'cases.filters': 'Filtros',
  'cases.filter.status': 'Estado',
  'cases.filter.stage': 'Etapa',
  'cases.filter.stageAll': 'Todas las etapas',
  'cases.filter.sector': 'Sector',
  'cases.filter.q': 'Buscar cuenta, titular o cédula',
  'cases.filter.apply': 'Filtrar',
  'cases.filter.clear': 'Limpiar',
  'cases.status.open': 'Abiertos',
  'cases.status.closed': 'Cerrados',
  'cases.total': '{count} casos',
  'cases.total.one': '1 caso',
  'cases.empty': 'No hay casos que coincidan con los filtros.',
  'cases.table': 'Lista de casos',
  'cases.col.priority': 'Prioridad',
  'cases.col.account': 'Cuenta',
  'cases.col.holder': 'Titular',
  'cases.col.sectorRoute': 'Sector / ruta',
  'cases.col.category': 'Categoría',
  'cases.col.stage': 'Etapa',
  'cases.col.balance': 'Saldo',
  'cases.col.overdue': 'Planillas vencidas',
  'cases.col.daysPastDue': 'Días de mora',
  'cases.col.collector': 'Gestor',
  'cases.unassigned': 'Sin asignar',
  'cases.protected': 'Protegido',
  'cases.protectedHint': 'Usuario protegido: no se suspende el servicio automáticamente',

  'summary.label': 'Resumen de cartera',
  'summary.openCases': 'Casos abiertos',
  'summary.balance': 'Saldo en mora',
  'summary.stageCount': '{count} casos',

  'pager.label': 'Paginación',
  'pager.prev': 'Anterior',
  'pager.next': 'Siguiente',
  'pager.status': 'Página {page} de {pages}',

  'stage.reminder': 'Aviso de cobro',
  'stage.agreement': 'Convenio de pago',
  'stage.suspension': 'Suspensión',
  'stage.credit_title': 'Título de crédito',
  'stage.coactiva': 'Coactiva',
  'stage.closed': 'Cerrado',

  'status.open': 'Abierto',
  'status.closed': 'Cerrado',

  'category.residencial': 'Residencial',
  'category.comercial': 'Comercial',
  'category.industrial': 'Industrial',
  'category.publica': 'Pública',
  'category.pública': 'Pública',

  'case.title': 'Caso {account}',
  'case.back': 'Volver a casos',
  'case.account': 'Cuenta',
  'case.account.number': 'Número de cuenta',
  'case.account.holder': 'Titular',
  'case.account.holderId': 'Cédula / RUC',
  'case.account.address': 'Dirección',
  'case.account.sector': 'Sector',
  'case.account.route': 'Ruta',
  'case.account.category': 'Categoría',
  'case.account.phone': 'Teléfono',
  'case.account.email': 'Correo electrónico',
  'case.account.protection': 'Protección',
  'case.account.notProtected': 'Sin protección',
  'case.summary': 'Situación del caso',
  'case.status': 'Estado',
  'case.stage': 'Etapa actual',
  'case.balance': 'Saldo adeudado',
  'case.priority': 'Prioridad',
  'case.daysPastDue': 'Días de mora',
  'case.oldestDueOn': 'Vencimiento más antiguo',
  'case.openedAt': 'Abierto el',
  'case.closedAt': 'Cerrado el',
  'case.closeReason': 'Motivo de cierre',
  'case.collector': 'Gestor asignado',
  'case.stages': 'Etapas del caso',
  'case.stepDone': 'completada',
  'case.stepCurrent': 'etapa actual',
  'case.stepPending': 'pendiente',
  'case.invoices': 'Planillas',
  'case.invoices.empty': 'No hay planillas pendientes.',
  'case.invoice.number': 'Número',
  'case.invoice.issuedOn': 'Emitida',
  'case.invoice.dueOn': 'Vence',
  'case.invoice.amount': 'Valor',
  'case.invoice.balance': 'Saldo',
  'case.invoice.total': 'Total',
  'case.workflow': 'Flujo de cobro',
  'case.workflow.none': 'El flujo de cobro no está disponible.',
  'case.workflow.status': 'Estado del flujo',
  'case.workflow.stage': 'Etapa en el flujo',
  'case.workflow.balance': 'Saldo en el flujo',
  'case.workflow.paymentsApplied': 'Pagos aplicados',
  'case.temporal': 'Ver en Temporal',
  'case.temporalNewTab': '(se abre en una pestaña nueva)',
  'case.timeline': 'Historial',
  'case.timeline.empty': 'Todavía no hay eventos.',
  'case.event.actor': 'Por',
  'case.event.reason': 'Motivo',
  'case.event.system': 'Sistema',

  'event.case_opened': 'Caso abierto',
  'event.payment_received': 'Pago recibido',
  'event.balance_updated': 'Saldo actualizado',
  'event.case_closed': 'Caso cerrado',
  'event.stage_changed': 'Cambio de etapa',

  'import.title': 'Importar cartera',
  'import.intro':
    'Suba el archivo de cartera exportado de facturación (CSV o Excel .xlsx). Se actualizarán cuentas y planillas y se abrirán los casos que correspondan.',
  'import.file': 'Archivo de cartera (CSV o XLSX)',
  'import.submit': 'Importar',
  'import.submitting': 'Subiendo…',
  'import.noFile': 'Seleccione un archivo CSV o XLSX.',
  'import.badType': 'El archivo debe ser CSV o XLSX.',
  'import.progress': 'Progreso de la importación',
  'import.rowsRead': '{count} filas leídas',
  'import.status.running': 'En proceso',
  'import.status.succeeded': 'Completada',
  'import.status.failed': 'Fallida',
  'import.result': 'Resultado de {file}',
  'import.failure': 'La importación falló: {message}',
  'import.count.rowsRead': 'Filas leídas',
  'import.count.goodRows': 'Filas válidas',
  'import.count.badRows': 'Filas con errores',
  'import.count.accountsUpserted': 'Cuentas actualizadas',
  'import.count.invoicesChanged': 'Planillas modificadas',
  'import.count.casesOpened': 'Casos abiertos',
  'import.startedAt': 'Inicio',
  'import.finishedAt': 'Fin',
  'import.errors': 'Errores por línea',
  'import.errors.line': 'Línea',
  'import.errors.field': 'Campo',
  'import.errors.message': 'Error',
  'import.errors.truncated': 'Se muestran solo los primeros errores; el archivo tiene más.',
  'import.recent': 'Importaciones recientes',
  'import.recent.empty': 'Aún no hay importaciones.',
  'import.recent.file': 'Archivo',
  'import.recent.status': 'Estado',
  'import.recent.view': 'Ver detalle de {file}',
  'import.new': 'Nueva importación',
} as const;

export type MessageKey = keyof typeof es;
type Dictionary = Record<MessageKey, string>;

const en: Dictionary = {
  'app.name': 'Cartera',
  'app.unit': 'Collections and Enforcement',
  'app.skip': 'Skip to content',
  'nav.label': 'Main navigation',
  'nav.cases': 'Cases',
  'nav.import': 'Import portfolio',
  'header.language': 'Language',
  'header.logout': 'Sign out',
  'header.signedInAs': 'Signed in as {name}',
  'locale.es-EC': 'Español',
  'locale.en': 'English',

  'role.collector': 'Collector',
  'role.legal': 'Legal advisor',
  'role.manager': 'Portfolio manager',
  'role.admin': 'Administrator',

  'common.loading': 'Loading…',
  'common.none': '—',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.retry': 'Retry',
  'common.back': 'Back',

  'error.network': 'Could not reach the server. Check your connection and try again.',
  'error.unexpected': 'The server returned an unexpected error (HTTP {status}).',
  'error.forbidden': 'You do not have permission to see this page.',
  'error.notFound': 'The requested page does not exist.',

  'login.title': 'Sign in',
  'login.intro': 'Sign in with your staff account.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.required': 'Enter your username and password.',
  'login.expired': 'Your session ended. Please sign in again.',

  'cases.title': 'Cases',
  'cases.filters': 'Filters',
  'cases.filter.status': 'Status',
  'cases.filter.stage': 'Stage',
  'cases.filter.stageAll': 'All stages',
  'cases.filter.sector': 'Sector',
  'cases.filter.q': 'Search account, holder or ID',
  'cases.filter.apply': 'Filter',
  'cases.filter.clear': 'Clear',
  'cases.status.open': 'Open',
  'cases.status.closed': 'Closed',
  'cases.total': '{count} cases',
  'cases.total.one': '1 case',
  'cases.empty': 'No cases match the filters.',
  'cases.table': 'Case list',
  'cases.col.priority': 'Priority',
  'cases.col.account': 'Account',
  'cases.col.holder': 'Holder',
  'cases.col.sectorRoute': 'Sector / route',
  'cases.col.category': 'Category',
  'cases.col.stage': 'Stage',
  'cases.col.balance': 'Balance',
  'cases.col.overdue': 'Overdue bills',
  'cases.col.daysPastDue': 'Days past due',
  'cases.col.collector': 'Collector',
  'cases.unassigned': 'Unassigned',
  'cases.protected': 'Protected',
  'cases.protectedHint': 'Protected user: service is never cut automatically',

  'summary.label': 'Portfolio summary',
  'summary.openCases': 'Open cases',
  'summary.balance': 'Overdue balance',
  'summary.stageCount': '{count} cases',

  'pager.label': 'Pagination',
  'pager.prev': 'Previous',
  'pager.next': 'Next',
  'pager.status': 'Page {page} of {pages}',

  'stage.reminder': 'Payment reminder',
  'stage.agreement': 'Payment agreement',
  'stage.suspension': 'Suspension',
  'stage.credit_title': 'Credit title',
  'stage.coactiva': 'Enforcement (coactiva)',
  'stage.closed': 'Closed',

  'status.open': 'Open',
  'status.closed': 'Closed',

  'category.residencial': 'Residential',
  'category.comercial': 'Commercial',
  'category.industrial': 'Industrial',
  'category.publica': 'Public',
  'category.pública': 'Public',

  'case.title': 'Case {account}',
  'case.back': 'Back to cases',
  'case.account': 'Account',
  'case.account.number': 'Account number',
  'case.account.holder': 'Holder',
  'case.account.holderId': 'ID (cédula / RUC)',
  'case.account.address': 'Address',
  'case.account.sector': 'Sector',
  'case.account.route': 'Route',
  'case.account.category': 'Category',
  'case.account.phone': 'Phone',
  'case.account.email': 'Email',
  'case.account.protection': 'Protection',
  'case.account.notProtected': 'Not protected',
  'case.summary': 'Case status',
  'case.status': 'Status',
  'case.stage': 'Current stage',
  'case.balance': 'Amount owed',
  'case.priority': 'Priority',
  'case.daysPastDue': 'Days past due',
  'case.oldestDueOn': 'Oldest due date',
  'case.openedAt': 'Opened',
  'case.closedAt': 'Closed',
  'case.closeReason': 'Close reason',
  'case.collector': 'Assigned collector',
  'case.stages': 'Case stages',
  'case.stepDone': 'done',
  'case.stepCurrent': 'current stage',
  'case.stepPending': 'pending',
  'case.invoices': 'Bills',
  'case.invoices.empty': 'No outstanding bills.',
  'case.invoice.number': 'Number',
  'case.invoice.issuedOn': 'Issued',
  'case.invoice.dueOn': 'Due',
  'case.invoice.amount': 'Amount',
  'case.invoice.balance': 'Balance',
  'case.invoice.total': 'Total',
  'case.workflow': 'Collection workflow',
  'case.workflow.none': 'The collection workflow is not available.',
  'case.workflow.status': 'Workflow status',
  'case.workflow.stage': 'Workflow stage',
  'case.workflow.balance': 'Workflow balance',
  'case.workflow.paymentsApplied': 'Payments applied',
  'case.temporal': 'View in Temporal',
  'case.temporalNewTab': '(opens in a new tab)',
  'case.timeline': 'Timeline',
  'case.timeline.empty': 'No events yet.',
  'case.event.actor': 'By',
  'case.event.reason': 'Reason',
  'case.event.system': 'System',

  'event.case_opened': 'Case opened',
  'event.payment_received': 'Payment received',
  'event.balance_updated': 'Balance updated',
  'event.case_closed': 'Case closed',
  'event.stage_changed': 'Stage changed',

  'import.title': 'Import portfolio',
  'import.intro':
    'Upload the portfolio file exported from billing (CSV or Excel .xlsx). Accounts and bills are updated and cases are opened where the rules apply.',
  'import.file': 'Portfolio file (CSV or XLSX)',
  'import.submit': 'Import',
  'import.submitting': 'Uploading…',
  'import.noFile': 'Choose a CSV or XLSX file.',
  'import.badType': 'The file must be CSV or XLSX.',
  'import.progress': 'Import progress',
  'import.rowsRead': '{count} rows read',
  'import.status.running': 'Running',
  'import.status.succeeded': 'Succeeded',
  'import.status.failed': 'Failed',
  'import.result': 'Result for {file}',
  'import.failure': 'The import failed: {message}',
  'import.count.rowsRead': 'Rows read',
  'import.count.goodRows': 'Valid rows',
  'import.count.badRows': 'Rows with errors',
  'import.count.accountsUpserted': 'Accounts updated',
  'import.count.invoicesChanged': 'Bills changed',
  'import.count.casesOpened': 'Cases opened',
  'import.startedAt': 'Started',
  'import.finishedAt': 'Finished',
  'import.errors': 'Errors by line',
  'import.errors.line': 'Line',
  'import.errors.field': 'Field',
  'import.errors.message': 'Error',
  'import.errors.truncated': 'Only the first errors are shown; the file has more.',
  'import.recent': 'Recent imports',
  'import.recent.empty': 'No imports yet.',
  'import.recent.file': 'File',
  'import.recent.status': 'Status',
  'import.recent.view': 'View details of {file}',
  'import.new': 'New import',
};

const DICTIONARIES: Record<Locale, Dictionary> = { 'es-EC': es, en };

export type Params = Record<string, string | number>;

function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  return interpolate(DICTIONARIES[locale][key] ?? es[key], params);
}

/** Label for a dynamic value (stage, event type…): `prefix.value`, or the raw value when unknown. */
export function translateValue(locale: Locale, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  const dict = DICTIONARIES[locale] as Record<string, string>;
  return dict[key] ?? value;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

function readStoredLocale(): Locale {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLocale(stored)) return stored;
  } catch {
    // storage disabled: fall back to the default
  }
  return DEFAULT_LOCALE;
}

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: (key: MessageKey, params?: Params) => string;
  tv: (prefix: string, value: string) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(readStoredLocale);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // ignore
    }
  }, []);

  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, params) => translate(locale, key, params),
      tv: (prefix, v) => translateValue(locale, prefix, v),
    }),
    [locale, setLocale],
  );

  return createElement(I18nContext.Provider, { value }, children);
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}
