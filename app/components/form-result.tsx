/** Shows the result of the last action: an error message or a confirmation. */
export function FormResult({ data, ok }: { data: { ok?: boolean; error?: string } | undefined; ok?: string }) {
  if (!data) return null;
  if (data.error)
    return (
      <div className="alert error" role="alert">
        {data.error}
      </div>
    );
  if (data.ok && ok)
    return (
      <div className="alert ok" role="status">
        {ok}
      </div>
    );
  return null;
}
