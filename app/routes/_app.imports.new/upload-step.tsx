/** Step 1: the file, uploaded with a progress bar (XHR straight to this route's action), then the mapping step. */
import { useNavigate } from '@remix-run/react';
import { useRef, useState } from 'react';
import type { ImportKind } from '~/lib/contracts/import-fields';
import { useRootData, useT } from '~/lib/i18n';

export function UploadStep({ kind }: { kind: ImportKind }) {
  const t = useT();
  const { csrfToken } = useRootData();
  const navigate = useNavigate();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const upload = (e: React.FormEvent) => {
    e.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) {
      setError(t('请选择文件', 'Choose a file'));
      return;
    }
    setError(null);
    setProgress(0);
    const body = new FormData();
    body.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/imports/new?kind=${kind}&_data=routes%2F_app.imports.new`);
    xhr.setRequestHeader('X-CSRF-Token', csrfToken ?? '');
    xhr.upload.onprogress = (ev) => ev.lengthComputable && setProgress(ev.loaded / ev.total);
    xhr.onload = () => {
      let data: { ok?: boolean; id?: string; error?: string; message?: string } = {};
      try {
        data = JSON.parse(xhr.responseText) as typeof data;
      } catch {
        /* not JSON */
      }
      if (xhr.status < 300 && data.ok && data.id) navigate(`/imports/new?id=${data.id}`);
      else {
        setProgress(null);
        setError(data.error ?? data.message ?? t('上传失败', 'Upload failed'));
      }
    };
    xhr.onerror = () => {
      setProgress(null);
      setError(t('网络错误，上传失败', 'Network error: upload failed'));
    };
    xhr.send(body);
  };
  return (
    <form className="card stack" onSubmit={upload}>
      <h2>{kind === 'members' ? t('1. 上传会员文件', '1. Upload a member file') : t('1. 上传订单文件', '1. Upload an order file')}</h2>
      <p className="muted">
        {t('CSV、TXT（逗号、分号、制表符或竖线分隔；UTF-8 或 GBK 编码自动识别）、XLSX，或 .csv.gz。', 'CSV/TXT (comma, semicolon, tab or pipe; UTF-8 or GBK detected automatically), XLSX, or .csv.gz.')}
        {kind === 'members'
          ? t('每行一位会员；按会员号或手机号关联企微客户。', 'One row per member; linked to WeCom customers by member number or mobile.')
          : t('每行一个商品或一个订单均可。', 'One row per item or per order.')}
      </p>
      <label>
        {t('文件', 'File')}
        <input ref={input} type="file" name="file" accept=".csv,.txt,.tsv,.xlsx,.gz" required />
      </label>
      {progress !== null ? (
        <div>
          <div className="progress" role="progressbar" aria-valuenow={Math.round(progress * 100)} aria-valuemin={0} aria-valuemax={100}>
            <div style={{ width: `${Math.round(progress * 100)}%` }} />
          </div>
          <small className="muted">{progress < 1 ? t(`上传中 ${Math.round(progress * 100)}%`, `Uploading ${Math.round(progress * 100)}%`) : t('正在识别文件…', 'Reading the file…')}</small>
        </div>
      ) : null}
      {error ? <div className="alert error">{error}</div> : null}
      <div className="toolbar">
        <button type="submit" disabled={progress !== null}>
          {t('上传并预览', 'Upload and preview')}
        </button>
        <a href={`/imports/templates/${kind}.csv`} download>
          {kind === 'members' ? t('下载会员导入模板（CSV）', 'Download the member template (CSV)') : t('下载订单导入模板（CSV）', 'Download the order template (CSV)')}
        </a>
      </div>
    </form>
  );
}
