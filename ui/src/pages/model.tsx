// A model: its versions with stages, tags and metrics; promotion with a confirmation; tag editing.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import type { Reference } from '@apollo/client/cache';
import {
  ConsoleAddTagsDocument, ConsolePromoteDocument, ConsoleRemoveTagsDocument, ModelPageDocument, TagInfoDocument,
  type ModelStage, type VersionRowFragment,
} from '../generated/graphql';
import { ErrorMessage, NotFound } from '../errors';
import { parseFilter } from '../filter';
import { Link, navigate, path, useLocation, withQuery } from '../router';
import { Breadcrumbs, FilterBox, Loading, LoadMore, Page, usePageSize, StageBadge, Tags, Time, useCanWrite } from '../components/common';
import { idsOf, inProject, isLifecycle, useLive } from '../live';

type Holder = { id: string; number: number } | null | undefined;

/**
 * A version's metrics: its own metadata, then that of its linked artifacts as "link.key"
 * (e.g. trained_model.accuracy, logged on the artifact by the training step).
 */
function metricsOf(v: VersionRowFragment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const own = v.metadata as Record<string, unknown> | null;
  if (own && typeof own === 'object') Object.assign(out, own);
  for (const link of v.artifacts) {
    const m = link.artifactVersion.metadata as Record<string, unknown> | null;
    if (m && typeof m === 'object') for (const [k, val] of Object.entries(m)) out[`${link.name}.${k}`] = val;
  }
  return out;
}

function numericKeys(versions: readonly VersionRowFragment[]): string[] {
  const keys = new Set<string>();
  for (const v of versions) for (const [k, val] of Object.entries(metricsOf(v))) if (typeof val === 'number') keys.add(k);
  // The version's own metrics first, then its artifacts'.
  return [...keys].sort((a, b) => Number(a.includes('.')) - Number(b.includes('.')) || a.localeCompare(b));
}

const formatMetric = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4).replace(/0+$/, '')) : v === undefined ? '—' : JSON.stringify(v));

export function ModelPage({ project, model }: { project: string; model: string }) {
  const pageSize = usePageSize();
  const { query } = useLocation();
  const filter = parseFilter(query.get('q') ?? '');
  const { data, error, loading, fetchMore, refetch } = useQuery(ModelPageDocument, { variables: { project, model, first: pageSize, filter } });
  // Stages, stage history and tags arrive with the events themselves; a new version is a new row.
  const modelId = data?.model?.id;
  useLive(
    (e) => inProject(e, project) && ((e.kind === 'MODEL_VERSION_CREATED' && idsOf(e).includes(modelId ?? '')) || isLifecycle(e)),
    () => refetch(),
  );
  const canWrite = useCanWrite();
  const [promoting, setPromoting] = useState<VersionRowFragment | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState('');

  const m = data?.model;
  const versions = useMemo(() => m?.versions.edges.map((e) => e.node) ?? [], [m]);
  const available = useMemo(() => numericKeys(versions), [versions]);
  const picked = query.has('metrics') ? (query.get('metrics') ?? '').split(',').filter(Boolean) : available.slice(0, 4);
  const history = useMemo(
    () => versions.flatMap((v) => v.stageHistory.map((h) => ({ ...h, version: v.number }))).sort((a, b) => b.at.localeCompare(a.at)),
    [versions],
  );

  if (error && !data) return <Page title={model}><Breadcrumbs project={project} /><ErrorMessage error={error} /></Page>;
  if (!data) return <Loading />;
  if (!m) return <Page title={model}><Breadcrumbs project={project} /><NotFound what={`Model "${model}" in project "${project}"`} /></Page>;

  const setMetrics = (keys: string[]) => navigate(withQuery(path('p', project, 'models', model), { q: query.get('q'), metrics: keys.join(',') || ',' }), { replace: true });

  return (
    <Page title={`${m.name} · ${project}`} heading={<>{m.name} <span className="muted small">model</span></>}>
      <Breadcrumbs project={project}><Link to={path('p', project, 'models')}>Models</Link></Breadcrumbs>
      <dl className="facts">
        <div><dt>Production</dt><dd data-testid="production-holder">{m.production ? `v${m.production.number}` : '—'}</dd></div>
        <div><dt>Staging</dt><dd data-testid="staging-holder">{m.staging ? `v${m.staging.number}` : '—'}</dd></div>
        <div><dt>Versions</dt><dd>{m.versions.totalCount}</dd></div>
        <div><dt>License</dt><dd>{m.license ?? '—'}</dd></div>
        <div><dt>Tags</dt><dd><Tags tags={m.tags} /></dd></div>
      </dl>
      {m.description ? <p>{m.description}</p> : null}
      <p role="status" aria-live="polite" className="notice" data-testid="notice">{notice}</p>

      <section aria-labelledby="versions-h">
        <h2 id="versions-h">Versions</h2>
        <FilterBox label="Filter versions" help="Tag predicates (startswith:accuracy-9), -tag to exclude, name:… for the version name." />
        <fieldset className="metric-picker">
          <legend>Metric columns</legend>
          {available.length === 0 ? <span className="muted">no numeric metadata</span> : available.map((k) => (
            <label key={k}>
              <input type="checkbox" checked={picked.includes(k)} onChange={(e) => setMetrics(e.target.checked ? [...picked, k] : picked.filter((x) => x !== k))} />
              {k}
            </label>
          ))}
        </fieldset>
        <div className="table-scroll">
          <table data-testid="versions">
            <thead>
              <tr>
                <th scope="col">#</th><th scope="col">Name</th><th scope="col">Stage</th><th scope="col">Tags</th>
                {picked.map((k) => <th scope="col" key={k} className="num">{k.split('.').map((part, i) => <span key={i}>{i ? <>.<wbr /></> : null}{part}</span>)}</th>)}
                <th scope="col">Created</th><th scope="col">Links</th>
                {canWrite ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <VersionRows key={v.id} v={v} project={project} picked={picked} canWrite={canWrite}
                  editing={editing === v.id} onEdit={() => setEditing(editing === v.id ? null : v.id)}
                  onPromote={() => setPromoting(v)} versions={versions} onNotice={setNotice} />
              ))}
            </tbody>
          </table>
        </div>
        <LoadMore pageInfo={m.versions.pageInfo} shown={versions.length} total={m.versions.totalCount} loading={loading} onMore={(after) => fetchMore({ variables: { after } })} />
      </section>

      <section aria-labelledby="history-h">
        <h2 id="history-h">Stage history</h2>
        {history.length === 0 ? <p className="muted">No stage changes yet.</p> : (
          <ol className="timeline" data-testid="timeline">
            {history.map((h, i) => (
              <li key={i}>
                <Time at={h.at} /> <strong>v{h.version}</strong> <StageBadge stage={h.from} /> → <StageBadge stage={h.to} />
                <span className="muted"> by {h.actor}{h.reason ? `: ${h.reason}` : ''}</span>
              </li>
            ))}
          </ol>
        )}
      </section>

      {promoting ? (
        <PromoteDialog version={promoting} modelId={m.id} holders={{ PRODUCTION: m.production, STAGING: m.staging }}
          onClose={(message) => { setPromoting(null); if (message) setNotice(message); }} />
      ) : null}
    </Page>
  );
}

function VersionRows({ v, project, picked, canWrite, editing, onEdit, onPromote, versions, onNotice }: {
  v: VersionRowFragment; project: string; picked: string[]; canWrite: boolean; editing: boolean;
  onEdit(): void; onPromote(): void; versions: readonly VersionRowFragment[]; onNotice(text: string): void;
}) {
  const meta = metricsOf(v);
  const model = v.artifacts.find((a) => a.kind === 'MODEL');
  return (
    <>
      <tr data-version={v.number}>
        <td>v{v.number}</td>
        <td>{v.name}</td>
        <td><StageBadge stage={v.stage} /></td>
        <td><Tags tags={v.tags} /></td>
        {picked.map((k) => <td key={k} className="num">{formatMetric(meta[k])}</td>)}
        <td><Time at={v.createdAt} /></td>
        <td>
          <Link to={withQuery(path('p', project, 'lineage'), { of: v.id })} aria-label={`Lineage of v${v.number}`}>Lineage</Link>
          {model ? <> · <Link to={path('p', project, 'artifacts', model.artifactVersion.artifact.name)} aria-label={`Artifact of v${v.number}`}>{model.artifactVersion.artifact.name}:{model.artifactVersion.version}</Link></> : null}
        </td>
        {canWrite ? (
          <td className="actions">
            <button type="button" onClick={onPromote} aria-label={`Promote v${v.number}`}>Promote…</button>
            <button type="button" onClick={onEdit} aria-expanded={editing} aria-label={`Edit tags of v${v.number}`}>Tags…</button>
          </td>
        ) : null}
      </tr>
      {editing ? (
        <tr className="editor-row">
          <td colSpan={7 + picked.length}>
            <TagEditor version={v} project={project} versions={versions} onNotice={onNotice} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function PromoteDialog({ version, modelId, holders, onClose }: {
  version: VersionRowFragment; modelId: string; holders: Record<'PRODUCTION' | 'STAGING', Holder>; onClose(message?: string): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [stage, setStage] = useState<ModelStage>(version.stage === 'STAGING' ? 'PRODUCTION' : version.stage === 'PRODUCTION' ? 'ARCHIVED' : 'STAGING');
  const [reason, setReason] = useState('');
  const [promote, { loading, error }] = useMutation(ConsolePromoteDocument, {
    // versionInStage(stage) on the model changes holder: point it at the promoted version and
    // clear the stage this version left, so every page that shows holders updates at once.
    update(cache, { data }) {
      const promoted = data?.promoteModelVersion.modelVersion;
      if (!promoted) return;
      cache.modify({
        id: cache.identify({ __typename: 'Model', id: modelId }),
        fields: {
          versionInStage(existing: Reference | null, { storeFieldName, toReference }) {
            const held = /"stage":"(\w+)"/.exec(storeFieldName)?.[1];
            if (held === promoted.stage) return toReference({ __typename: 'ModelVersion', id: promoted.id }) ?? existing;
            if (existing && cache.identify(existing) === cache.identify({ __typename: 'ModelVersion', id: promoted.id })) return null;
            return existing;
          },
        },
      });
    },
  });
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const holder = stage === 'PRODUCTION' || stage === 'STAGING' ? holders[stage] : null;
  const archives = holder && holder.id !== version.id ? holder : null;
  const submit = async () => {
    const r = await promote({ variables: { input: { modelVersion: version.id, stage, force: !!archives, reason: reason.trim() || undefined } } }).catch(() => null);
    if (!r?.data) return;
    const demoted = r.data.promoteModelVersion.demoted.map((d) => `v${d.number}`);
    onClose(`v${version.number} is now ${stage}${demoted.length ? `; ${demoted.join(', ')} archived` : ''}.`);
  };
  return (
    <dialog ref={ref} aria-labelledby={`${id}-h`} onCancel={(e) => { e.preventDefault(); onClose(); }} className="dialog">
      <form method="dialog" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <h2 id={`${id}-h`}>Promote v{version.number}</h2>
        <p>Now <StageBadge stage={version.stage} />.</p>
        <label htmlFor={`${id}-stage`}>New stage</label>
        <select id={`${id}-stage`} value={stage} onChange={(e) => setStage(e.target.value as ModelStage)}>
          {(['STAGING', 'PRODUCTION', 'ARCHIVED', 'NONE'] as const).filter((s) => s !== version.stage).map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <label htmlFor={`${id}-reason`}>Reason (optional)</label>
        <input id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} />
        {archives ? (
          <p className="warning" data-testid="archives">v{archives.number} holds {stage} now: it will be moved to ARCHIVED.</p>
        ) : null}
        {error ? <ErrorMessage error={error} /> : null}
        <div className="buttons">
          <button type="button" onClick={() => onClose()}>Cancel</button>
          <button type="submit" className="primary" disabled={loading}>
            {archives ? `Promote v${version.number} to ${stage} and archive v${archives.number}` : `Promote v${version.number} to ${stage}`}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function TagEditor({ version, project, versions, onNotice }: { version: VersionRowFragment; project: string; versions: readonly VersionRowFragment[]; onNotice(t: string): void }) {
  const client = useApolloClient();
  const id = useId();
  const [name, setName] = useState('');
  const [exclusive, setExclusive] = useState(false);
  const [add, adding] = useMutation(ConsoleAddTagsDocument);
  const [remove, removing] = useMutation(ConsoleRemoveTagsDocument);
  const trimmed = name.trim();
  // Known from what is on screen: an exclusive tag another version carries moves from it.
  const knownExclusive = versions.flatMap((v) => v.tags.filter((t) => t.name === trimmed && t.exclusive && v.id !== version.id).map(() => v));
  const submit = async () => {
    if (!trimmed) return;
    const info = await client.query({ query: TagInfoDocument, variables: { project, name: trimmed }, fetchPolicy: 'network-only' }).catch(() => null);
    const isExclusive = info?.data?.tag?.exclusive ?? exclusive;
    const from = versions.filter((v) => v.id !== version.id && v.tags.some((t) => t.name === trimmed));
    const r = await add({ variables: { resource: version.id, tags: [{ name: trimmed, exclusive: exclusive || undefined }] } }).catch(() => null);
    if (!r?.data) return;
    setName('');
    if (isExclusive && from.length) {
      // The server removed the tag from its previous holder: read that version again.
      await client.refetchQueries({ include: [ModelPageDocument] });
      onNotice(`Exclusive tag "${trimmed}" moved from ${from.map((v) => `v${v.number}`).join(', ')} to v${version.number}.`);
    } else onNotice(`Tag "${trimmed}" added to v${version.number}.`);
  };
  return (
    <div className="tag-editor">
      <ul className="tags" aria-label={`Tags of v${version.number}`}>
        {version.tags.map((t) => (
          <li key={t.id} className={t.exclusive ? 'tag exclusive' : 'tag'}>
            {t.name}
            <button type="button" className="link" aria-label={`Remove tag ${t.name} from v${version.number}`} disabled={removing.loading}
              onClick={() => remove({ variables: { resource: version.id, tags: [t.name] } }).then(() => onNotice(`Tag "${t.name}" removed from v${version.number}.`), () => undefined)}>×</button>
          </li>
        ))}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <label htmlFor={`${id}-name`}>Add a tag to v{version.number}</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
        <label className="inline"><input type="checkbox" checked={exclusive} onChange={(e) => setExclusive(e.target.checked)} /> exclusive (one holder per model)</label>
        <button type="submit" disabled={adding.loading || !trimmed}>Add</button>
      </form>
      {knownExclusive.length ? <p className="warning">"{trimmed}" is exclusive: adding it here removes it from {knownExclusive.map((v) => `v${v.number}`).join(', ')}.</p> : null}
      {adding.error ? <ErrorMessage error={adding.error} /> : null}
      {removing.error ? <ErrorMessage error={removing.error} /> : null}
    </div>
  );
}
