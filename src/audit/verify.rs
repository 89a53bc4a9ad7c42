//! `commerce audit verify` and `GET admin/audit/verify`: walks the hash chain in link order
//! against the events table, recomputing every digest, and names what was tampered with.
//!
//! In one repeatable-read, read-only snapshot:
//! - every link must follow its predecessor (numbers without gaps, `prev_hash` equal to the
//!   previous link's `hash`, `hash` recomputed from its fields), else `chain_altered`;
//! - the event at the link's global position must exist (else `deleted`, or `reordered` when
//!   the same event id now sits at another position) and hash to the sealed content digest
//!   (else `edited`, or `reordered` when it holds the content sealed at another link);
//! - an event with the sealed content at another sequence number is `reordered`;
//! - every event at or below the chain's head (in `(commit_xid, global_position)` order) must
//!   be sealed: one that is not was `inserted` behind the chain's back (nothing legitimate can
//!   commit below the head, see the sealer).
//!
//! Findings come in commit order; the first one is the first tampered event. Events after the
//! head are reported as `unsealed` (not yet sealed), never as problems. The chain has no
//! anchor outside the database: record the reported head hash elsewhere to detect a rewrite of
//! the whole chain.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use utoipa::ToSchema;
use uuid::Uuid;

use super::chain::{content_hash, hex, link_hash, to_hash, Hash, LinkFields, GENESIS};
use super::stored::{parse_xid, StoredEvent, EVENT_COLUMNS};

/// Findings listed in a report (the total is counted beyond it).
pub const MAX_FINDINGS: usize = 100;
/// Links read per query of the walk.
const WALK_BATCH: i64 = 1000;

/// What happened to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Its content differs from what was sealed.
    Edited,
    /// It is gone.
    Deleted,
    /// It moved: another sequence number or position than sealed.
    Reordered,
    /// It is below the sealed head but was never sealed.
    Inserted,
    /// The chain table itself was changed.
    ChainAltered,
}

/// One tampered event (or link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Finding {
    /// What happened.
    pub kind: FindingKind,
    /// The chain link concerned (none for an inserted event).
    pub link: Option<i64>,
    /// The event's global position (as sealed).
    pub global_position: i64,
    /// The event's aggregate type (as sealed).
    pub aggregate_type: String,
    /// The event's aggregate id (as sealed).
    pub aggregate_id: String,
    /// The event's sequence in its stream (as sealed).
    pub sequence: i64,
    /// The event's id (as sealed).
    pub event_id: Uuid,
    /// What was found.
    pub detail: String,
    #[serde(skip)]
    order: (u64, i64),
}

/// The last link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChainHead {
    /// Its number (= events sealed).
    pub link: i64,
    /// The global position of the event it seals.
    pub global_position: i64,
    /// Its hash (hex): record it outside the database to detect a rewritten chain.
    pub hash: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VerifyReport {
    /// True when no problem was found.
    pub ok: bool,
    /// Links walked (events sealed).
    pub sealed: i64,
    /// Events after the chain's head, not sealed yet.
    pub unsealed: i64,
    /// The chain's head, once something is sealed.
    pub head: Option<ChainHead>,
    /// The first tampered event in commit order.
    pub first_problem: Option<Finding>,
    /// The problems found, in commit order (at most 100).
    pub problems: Vec<Finding>,
    /// How many problems were found in all.
    pub problems_total: u64,
    /// When the verification ran.
    pub verified_at: DateTime<Utc>,
}

/// A chain row with its event, if any.
struct Link {
    link: i64,
    global_position: i64,
    commit_xid: u64,
    event_id: Uuid,
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    content_hash: Vec<u8>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    event: Option<StoredEvent>,
}

impl Link {
    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        let present: bool = row.try_get("present")?;
        let xid: String = row.try_get("c_commit_xid")?;
        Ok(Self {
            link: row.try_get("link")?,
            global_position: row.try_get("c_global_position")?,
            commit_xid: parse_xid(&xid)?,
            event_id: row.try_get("c_event_id")?,
            aggregate_type: row.try_get("c_aggregate_type")?,
            aggregate_id: row.try_get("c_aggregate_id")?,
            sequence: row.try_get("c_sequence")?,
            content_hash: row.try_get("content_hash")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
            event: if present {
                Some(StoredEvent::from_row(row)?)
            } else {
                None
            },
        })
    }

    fn finding(&self, kind: FindingKind, detail: String) -> Finding {
        Finding {
            kind,
            link: Some(self.link),
            global_position: self.global_position,
            aggregate_type: self.aggregate_type.clone(),
            aggregate_id: self.aggregate_id.clone(),
            sequence: self.sequence,
            event_id: self.event_id,
            detail,
            order: (self.commit_xid, self.global_position),
        }
    }
}

/// Findings collected in order, counted beyond what is kept.
#[derive(Default)]
struct Findings {
    kept: Vec<Finding>,
    total: u64,
}

impl Findings {
    fn push(&mut self, finding: Finding) {
        self.total += 1;
        if self.kept.len() < MAX_FINDINGS {
            self.kept.push(finding);
        }
    }
}

/// Verifies the whole chain against the events table (see the module documentation).
#[tracing::instrument(skip_all, err)]
pub async fn verify(pool: &PgPool) -> Result<VerifyReport, sqlx::Error> {
    let mut tx = commerce_eventlog::reader::begin_snapshot(pool).await?;
    let mut findings = Findings::default();
    let (mut expected, mut prev) = (1i64, GENESIS);
    let mut last: Option<Link> = None;
    let sql = format!(
        "SELECT c.link, c.global_position AS c_global_position,
                c.commit_xid::text AS c_commit_xid, c.event_id AS c_event_id,
                c.aggregate_type AS c_aggregate_type, c.aggregate_id AS c_aggregate_id,
                c.sequence AS c_sequence, c.content_hash, c.prev_hash, c.hash,
                e.global_position IS NOT NULL AS present, {EVENT_COLUMNS}
           FROM event_chain c LEFT JOIN events e ON e.global_position = c.global_position
          WHERE c.link > $1 ORDER BY c.link LIMIT $2"
    );
    loop {
        let after = last.as_ref().map_or(0, |l| l.link);
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(WALK_BATCH)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let link = Link::from_row(row)?;
            if let Some(finding) = check_chain(&link, expected, &prev) {
                findings.push(finding);
            }
            if let Some(finding) = check_event(&mut tx, &link).await? {
                findings.push(finding);
            }
            expected = link.link + 1;
            prev = to_hash(&link.hash).unwrap_or(GENESIS);
            last = Some(link);
        }
    }
    let (head_xid, head_position) = last
        .as_ref()
        .map_or((0, 0), |l| (l.commit_xid, l.global_position));
    let mut all = findings.kept;
    let inserted = inserted_below(&mut tx, head_xid, head_position).await?;
    let total = findings.total + inserted.len() as u64;
    all.extend(inserted);
    all.sort_by_key(|f| f.order);
    all.truncate(MAX_FINDINGS);
    let unsealed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE (commit_xid, global_position) > ($1::text::xid8, $2)",
    )
    .bind(head_xid.to_string())
    .bind(head_position)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(VerifyReport {
        ok: total == 0,
        sealed: last.as_ref().map_or(0, |l| l.link),
        unsealed,
        head: last.map(|l| ChainHead {
            link: l.link,
            global_position: l.global_position,
            hash: hex(&l.hash),
        }),
        first_problem: all.first().cloned(),
        problems: all,
        problems_total: total,
        verified_at: Utc::now(),
    })
}

/// The link itself: numbered after its predecessor, chained to its hash, hashing to its own.
fn check_chain(link: &Link, expected: i64, prev: &Hash) -> Option<Finding> {
    let altered = |detail: String| Some(link.finding(FindingKind::ChainAltered, detail));
    if link.link != expected {
        return altered(format!(
            "links {expected}..{} are missing from the chain",
            link.link - 1
        ));
    }
    let (Some(stored_prev), Some(content), Some(hash)) = (
        to_hash(&link.prev_hash),
        to_hash(&link.content_hash),
        to_hash(&link.hash),
    ) else {
        return altered("a stored digest does not have 32 bytes".into());
    };
    if &stored_prev != prev {
        return altered(format!(
            "prev_hash does not match the hash of link {}",
            link.link - 1
        ));
    }
    let fields = LinkFields {
        link: link.link,
        global_position: link.global_position,
        sequence: link.sequence,
        content_hash: content,
    };
    if link_hash(&stored_prev, &fields) != hash {
        return altered("the link's hash does not match its fields".into());
    }
    None
}

/// The event the link seals: present, with the sealed content, at the sealed place.
async fn check_event(conn: &mut PgConnection, link: &Link) -> Result<Option<Finding>, sqlx::Error> {
    let Some(event) = &link.event else {
        let moved: Option<i64> =
            sqlx::query_scalar("SELECT global_position FROM events WHERE event_id = $1")
                .bind(link.event_id)
                .fetch_optional(&mut *conn)
                .await?;
        return Ok(Some(match moved {
            Some(position) => link.finding(
                FindingKind::Reordered,
                format!("the event sealed here now sits at global position {position}"),
            ),
            None => link.finding(
                FindingKind::Deleted,
                format!("no event at global position {}", link.global_position),
            ),
        }));
    };
    let digest = content_hash(&event.content());
    if digest.as_slice() == link.content_hash.as_slice() {
        if event.sequence != link.sequence {
            return Ok(Some(link.finding(
                FindingKind::Reordered,
                format!(
                    "sealed as sequence {}, now sequence {}",
                    link.sequence, event.sequence
                ),
            )));
        }
        return Ok(None);
    }
    if event.event_id != link.event_id {
        let sealed_at: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT link, content_hash FROM event_chain WHERE event_id = $1")
                .bind(event.event_id)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((other, content)) = sealed_at {
            if content.as_slice() == digest.as_slice() {
                return Ok(Some(link.finding(
                    FindingKind::Reordered,
                    format!(
                        "holds {} ({}), the event sealed at link {other}",
                        event.label(),
                        event.event_id
                    ),
                )));
            }
        }
    }
    Ok(Some(link.finding(
        FindingKind::Edited,
        format!(
            "{} ({}) differs from the content sealed",
            event.label(),
            event.event_type
        ),
    )))
}

/// Events at or below the head that no link seals (first [`MAX_FINDINGS`]).
async fn inserted_below(
    conn: &mut PgConnection,
    head_xid: u64,
    head_position: i64,
) -> Result<Vec<Finding>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events e
          WHERE (e.commit_xid, e.global_position) <= ($1::text::xid8, $2)
            AND NOT EXISTS (SELECT 1 FROM event_chain c
                             WHERE c.global_position = e.global_position)
          ORDER BY e.commit_xid, e.global_position LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(head_xid.to_string())
        .bind(head_position)
        .bind(MAX_FINDINGS as i64)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let event = StoredEvent::from_row(row)?;
            Ok(Finding {
                kind: FindingKind::Inserted,
                link: None,
                global_position: event.global_position,
                detail: format!(
                    "{} ({}) is below the sealed head but not in the chain",
                    event.label(),
                    event.event_type
                ),
                aggregate_type: event.aggregate_type,
                aggregate_id: event.aggregate_id,
                sequence: event.sequence,
                event_id: event.event_id,
                order: (event.commit_xid, event.global_position),
            })
        })
        .collect()
}
