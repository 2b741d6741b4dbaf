/** The order import's options in the mapping step: the refund rule, unknown stores and clerks, channel, money unit, preset. */
import type { SerializeFrom } from '@remix-run/node';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Preset = NonNullable<SerializeFrom<typeof loader>['draft']>['preset'];

export function OrderOptions({ preset: p }: { preset: Preset }) {
  const t = useT();
  return (
    <>
      <h2>{t('退款规则', 'Refund rule')}</h2>
      <div className="cards">
        <label>
          {t('订单号前缀', 'Order-number prefix')}
          <input name="refundPrefix" placeholder="C" defaultValue={p?.refund.prefix ?? ''} />
        </label>
        <label>
          {t('状态值（逗号分隔）', 'Status values (comma-separated)')}
          <input name="refundStatus" placeholder="退款,已退款,refunded" defaultValue={p?.refund.statusValues?.join(',') ?? ''} />
        </label>
        <label style={{ alignContent: 'end' }}>
          <span>
            <input type="checkbox" name="refundNegative" defaultChecked={p?.refund.negativeTotal ?? false} /> {t('合计为负即退款', 'Negative total means refund')}
          </span>
        </label>
      </div>
      <h2>{t('选项', 'Options')}</h2>
      <div className="cards">
        <label>
          {t('未知门店编码', 'Unknown store codes')}
          <select name="unknownStores" defaultValue={p?.unknownStores ?? 'reject'}>
            <option value="reject">{t('拒绝该行，写入错误报告（推荐）', 'Reject the row, listed in the error report (recommended)')}</option>
            <option value="create">{t('自动创建门店（标记为导入，无区域）', 'Create the store (marked as imported, no region)')}</option>
          </select>
        </label>
        <label>
          {t('未知导购', 'Unknown clerks')}
          <select name="unknownClerks" defaultValue={p?.unknownClerks ?? 'reject'}>
            <option value="reject">{t('拒绝该行，写入错误报告（推荐）', 'Reject the row, listed in the error report (recommended)')}</option>
            <option value="create">{t('自动创建导购（标记为导入）', 'Create the clerk (marked as imported)')}</option>
          </select>
        </label>
        <label>
          {t('默认渠道', 'Default channel')}
          <select name="defaultChannel" defaultValue={p?.defaultChannel ?? 'pos'}>
            <option value="pos">{t('门店 POS', 'Store POS')}</option>
            <option value="mini_program">{t('小程序', 'Mini program')}</option>
            <option value="ecommerce">{t('电商', 'E-commerce')}</option>
            <option value="group_buy">{t('团购', 'Group buy')}</option>
            <option value="other">{t('其他', 'Other')}</option>
          </select>
        </label>
        <label>
          {t('金额单位', 'Money unit')}
          <select name="moneyUnit" defaultValue={p?.moneyUnit ?? 'yuan'}>
            <option value="yuan">{t('元', 'Yuan')}</option>
            <option value="fen">{t('分', 'Fen')}</option>
          </select>
        </label>
        <label>
          {t('保存为预设（可选）', 'Save as preset (optional)')}
          <input name="savePreset" maxLength={60} placeholder={t('例如：门店POS导出', 'e.g. POS export')} />
        </label>
      </div>
    </>
  );
}
