/** The tenant navigation; each item is shown only to roles with its permission (checked in the loader). */
export const NAV = [
  { to: '/dashboard', permission: 'dashboard.view', zh: '数据看板', en: 'Dashboard', icon: 'dashboard' },
  { to: '/customers', permission: 'customers.view', zh: '客户', en: 'Customers', icon: 'customers' },
  { to: '/tags', permission: 'tags.manage', zh: '客户标签', en: 'Tags', icon: 'tags' },
  { to: '/channels', permission: 'channels.manage', zh: '渠道活码', en: 'Channel codes', icon: 'channels' },
  { to: '/wecom-ops', permission: 'wecom.ops', zh: '企微运营', en: 'WeCom ops', icon: 'wecomOps' },
  { to: '/segments', permission: 'segments.view', zh: '客户分群', en: 'Segments', icon: 'segments' },
  { to: '/campaigns', permission: 'campaigns.view', zh: '营销活动', en: 'Campaigns', icon: 'campaigns' },
  { to: '/imports', permission: 'imports.manage', zh: '数据导入', en: 'Imports', icon: 'imports' },
  { to: '/settings', permission: 'settings.view', zh: '设置', en: 'Settings', icon: 'settings' },
] as const;
