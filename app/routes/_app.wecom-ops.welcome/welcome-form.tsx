/** The form that sets a welcome message for a channel code, a store, a clerk or the default. */
import { Form } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { useT } from '~/lib/i18n';

export interface WelcomeOptions {
  channels: { id: string; name: string; state: string }[];
  stores: { id: string; code: string; name: string }[];
  clerks: { id: string; name: string; wecom_userid: string | null }[];
}

export function WelcomeForm({ options }: { options: WelcomeOptions }) {
  const t = useT();
  return (
    <Form method="post" className="card stack" data-testid="welcome-form">
      <CsrfInput />
      <label>
        {t('适用于', 'Applies to')}
        <select name="target" defaultValue="default:">
          <option value="default:">{t('默认（所有未单独设置的添加）', 'Default (every add without its own message)')}</option>
          <optgroup label={t('渠道码', 'Channel codes')}>
            {options.channels.map((c) => (
              <option key={c.id} value={`channel:${c.id}`}>
                {c.name} ({c.state})
              </option>
            ))}
          </optgroup>
          <optgroup label={t('门店', 'Stores')}>
            {options.stores.map((s) => (
              <option key={s.id} value={`store:${s.id}`}>
                {s.code} {s.name}
              </option>
            ))}
          </optgroup>
          <optgroup label={t('导购', 'Clerks')}>
            {options.clerks.map((c) => (
              <option key={c.id} value={`clerk:${c.id}`}>
                {c.name} ({c.wecom_userid})
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      <label>
        {t('欢迎语（可用 {客户称呼} {导购} {门店}；{名|备用} 在没有值时用备用词）', 'Text (placeholders {客户称呼} {导购} {门店}; {name|fallback} uses the fallback when there is no value)')}
        <textarea name="text" rows={3} required maxLength={4000} defaultValue="{客户称呼|}您好，我是{门店}的{导购}，有任何需要随时找我～" />
      </label>
      <label>
        {t('附件（每行一个，最多 9 个：“标题 | 链接”或图片地址）', 'Attachments (one a line, up to 9: “title | url” or an image url)')}
        <textarea name="attachments" rows={2} placeholder="会员权益 | https://example.com/vip" />
      </label>
      <button type="submit">{t('保存欢迎语', 'Save welcome message')}</button>
    </Form>
  );
}
