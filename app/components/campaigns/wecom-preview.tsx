/**
 * The message as a customer sees it in WeCom: the clerk's name above a chat bubble with the text (variables filled
 * with a sample clerk, or their fallbacks when `fallbacks` is on), then each attachment as WeCom draws it.
 */
import type { MessageVariable } from '~/lib/contracts/campaign';
import { renderMessage } from '~/lib/contracts/message-template';
import { useT } from '~/lib/i18n';

export interface PreviewAttachment {
  msgtype: string;
  image?: { pic_url?: string; media_id?: string };
  link?: { title?: string; desc?: string; url?: string };
  miniprogram?: { title?: string };
}

export function WecomPreview({ text, attachments, values, fallbacks = false }: { text: string; attachments: PreviewAttachment[]; values?: Partial<Record<MessageVariable, string>>; fallbacks?: boolean }) {
  const t = useT();
  const sample: Partial<Record<MessageVariable, string>> = values ?? { 导购: t('王小美', 'Wang Xiaomei'), 门店: t('静安嘉里店', 'Jing’an store'), 门店地址: t('上海市静安区南京西路 1515 号', '1515 West Nanjing Rd, Shanghai'), 客户称呼: t('李女士', 'Ms Li'), 上次购买商品: t('羊毛开衫', 'wool cardigan'), 距上次购买天数: '42' };
  const rendered = renderMessage(text, fallbacks ? {} : sample);
  return (
    <div className="wecom-preview" data-testid="wecom-preview">
      <div className="sender">{fallbacks ? t('（变量取备用值）', '(variables at their fallbacks)') : `${sample.导购 ?? ''} · ${sample.门店 ?? ''}`}</div>
      <div className="bubble" data-testid="preview-text">
        {rendered || <span className="muted">{t('（正文为空）', '(empty message)')}</span>}
      </div>
      {attachments.map((a, i) =>
        a.msgtype === 'link' ? (
          <div className="card-link" key={i}>
            <div>
              <strong>{a.link?.title}</strong>
              <div className="muted">{a.link?.desc ?? a.link?.url}</div>
            </div>
            <div className="thumb" />
          </div>
        ) : a.msgtype === 'image' ? (
          <div className="image" key={i}>
            {t('图片', 'Image')}
          </div>
        ) : (
          <div className="card-link" key={i}>
            <div>
              <div className="muted">{t('小程序', 'Mini program')}</div>
              <strong>{a.miniprogram?.title}</strong>
            </div>
            <div className="thumb" />
          </div>
        ),
      )}
    </div>
  );
}
