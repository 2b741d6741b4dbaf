/** Small inline SVG icons (no icon font or emoji font needed on the user's machine). */
const PATHS: Record<string, string> = {
  dashboard: 'M3 13h4v8H3zM10 8h4v13h-4zM17 3h4v18h-4z',
  customers: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 10a7 7 0 0 1 14 0zM17 11a3 3 0 1 0 0-6M18 14a6 6 0 0 1 4 7h-3',
  segments: 'M12 2a10 10 0 1 0 10 10H12z M14 0v10h10A10 10 0 0 0 14 0z',
  campaigns: 'M3 10v4l12 5V5zM15 8h2a4 4 0 0 1 0 8h-2M6 15l2 6h3l-2-5',
  imports: 'M12 3v12M7 10l5 5 5-5M4 19h16',
  tags: 'M3 12V4a1 1 0 0 1 1-1h8l9 9-9 9zM7.5 7.5h.01',
  wecomOps: 'M4 4h16v11H8l-4 4zM8 9h8M8 12h5',
  channels: 'M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h3v3h-3zM18 18h3v3h-3z',
  settings: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 1v4M12 19v4M1 12h4M19 12h4M4.2 4.2l2.8 2.8M17 17l2.8 2.8M4.2 19.8 7 17M17 7l2.8-2.8',
};

export function Icon({ name }: { name: string }) {
  const d = PATHS[name];
  if (!d) return null;
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d={d} />
    </svg>
  );
}
