/**
 * @module Every string the page shows, in English and Simplified Chinese, and `t()` to read one.
 * The language follows the browser until the person picks one.
 */
import { signal } from '@preact/signals';

const en = {
  online: 'online',
  offline: 'offline',
  onlineCount: '{n}/{total} online',
  waiting: 'waiting for its agent',
  lastSeen: 'last seen {ago}',
  justNow: 'just now',
  ago: '{d} ago',
  never: 'never',
  reconnecting: 'reconnecting…',
  connecting: 'connecting…',
  noNodes: 'No nodes yet. Add one with',
  noMatch: 'No node matches “{q}”.',
  filter: 'Filter nodes',
  sortBy: 'Sort by',
  sortName: 'Name',
  sortCpu: 'CPU',
  sortMem: 'Memory',
  sortDisk: 'Disk',
  sortNet: 'Network',
  sortUptime: 'Uptime',
  sortTraffic: 'Traffic',
  cards: 'Cards',
  table: 'Table',
  view: 'View',
  theme: 'Theme',
  themeAuto: 'Auto',
  themeLight: 'Light',
  themeDark: 'Dark',
  language: 'Language',
  node: 'Node',
  status: 'Status',
  cpu: 'CPU',
  memory: 'Memory',
  swap: 'Swap',
  disk: 'Disk',
  diskIo: 'Disk I/O',
  network: 'Network',
  netIn: 'In',
  netOut: 'Out',
  load: 'Load',
  uptime: 'Uptime',
  traffic: 'Traffic this period',
  trafficShort: 'Traffic',
  since: 'since {date}',
  connections: 'Connections',
  tcp: 'TCP',
  udp: 'UDP',
  processes: 'Processes',
  price: 'Price',
  expires: 'Expires',
  daysLeft: '{n} days left',
  expiresToday: 'expires today',
  expired: 'expired {n} days ago',
  cores: '{n} cores',
  back: 'All nodes',
  range: 'Range',
  noData: 'No data in this range yet.',
  loading: 'Loading…',
  loadFailed: 'Could not load history: {msg}',
  notFound: 'There is no node with this id (it may have been removed or hidden).',
  used: 'used',
  total: 'total',
  read: 'Read',
  write: 'Write',
  load1: '1 min',
  load5: '5 min',
  load15: '15 min',
  latency: 'Latency',
  details: 'Details of {name}',
  poweredBy: 'Powered by probe {v}',
  totalIn: 'Total in',
  totalOut: 'Total out',
} as const;

export type StringKey = keyof typeof en;

const zh: Record<StringKey, string> = {
  online: '在线',
  offline: '离线',
  onlineCount: '{n}/{total} 在线',
  waiting: '等待探针连接',
  lastSeen: '最后在线 {ago}',
  justNow: '刚刚',
  ago: '{d}前',
  never: '从未',
  reconnecting: '正在重新连接…',
  connecting: '正在连接…',
  noNodes: '还没有节点。添加一个：',
  noMatch: '没有节点匹配“{q}”。',
  filter: '筛选节点',
  sortBy: '排序',
  sortName: '名称',
  sortCpu: 'CPU',
  sortMem: '内存',
  sortDisk: '硬盘',
  sortNet: '网络',
  sortUptime: '运行时间',
  sortTraffic: '流量',
  cards: '卡片',
  table: '表格',
  view: '视图',
  theme: '主题',
  themeAuto: '自动',
  themeLight: '浅色',
  themeDark: '深色',
  language: '语言',
  node: '节点',
  status: '状态',
  cpu: 'CPU',
  memory: '内存',
  swap: '交换',
  disk: '硬盘',
  diskIo: '磁盘读写',
  network: '网络',
  netIn: '下行',
  netOut: '上行',
  load: '负载',
  uptime: '运行时间',
  traffic: '本周期流量',
  trafficShort: '流量',
  since: '自 {date}',
  connections: '连接数',
  tcp: 'TCP',
  udp: 'UDP',
  processes: '进程',
  price: '价格',
  expires: '到期',
  daysLeft: '剩余 {n} 天',
  expiresToday: '今天到期',
  expired: '已过期 {n} 天',
  cores: '{n} 核',
  back: '全部节点',
  range: '时间范围',
  noData: '此时间范围内暂无数据。',
  loading: '加载中…',
  loadFailed: '无法加载历史数据：{msg}',
  notFound: '没有这个节点（可能已被删除或隐藏）。',
  used: '已用',
  total: '总计',
  read: '读',
  write: '写',
  load1: '1 分钟',
  load5: '5 分钟',
  load15: '15 分钟',
  latency: '延迟',
  details: '{name} 的详情',
  poweredBy: '由 probe {v} 驱动',
  totalIn: '总下行',
  totalOut: '总上行',
};

export const LANGUAGES = { en: 'English', 'zh-CN': '简体中文' } as const;
export type Lang = keyof typeof LANGUAGES;

const TABLES: Record<Lang, Record<StringKey, string>> = { en, 'zh-CN': zh };

/** The browser's preferred language among ours. */
export function detectLang(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    if (/^zh\b/i.test(tag)) return 'zh-CN';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

export const lang = signal<Lang>('en');

/** The string `key` in the current language with `{name}` placeholders filled. */
export function t(key: StringKey, params: Record<string, string | number> = {}): string {
  const text = TABLES[lang.value][key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}
