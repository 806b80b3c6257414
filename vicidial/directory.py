"""Look-ups in ViciDial's tables: calls by uniqueid, live agents, recordings.

All reads, no writes. Found calls and agent names are cached for
`cache_ttl_s`; calls not (yet) logged are not cached, so a retry a few seconds
later sees rows ViciDial has written since.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from typing import Any

from vicidial.cache import TtlCache
from vicidial.database import ViciDialDatabase
from vicidial.records import NO_AGENT_USERS, AgentLeg, CallInfo, LiveAgent, Recording
from vicidial.settings import ViciDialSettings
from vicidial.uniqueid import parse_uniqueid

log = logging.getLogger(__name__)

# Every agent leg: a call transferred between in-groups has one row per leg.
_INBOUND_SQL = """
SELECT closecallid, lead_id, campaign_id, call_date, status, phone_number, user,
       length_in_sec, queue_seconds, term_reason
FROM vicidial_closer_log WHERE uniqueid = %s
ORDER BY call_date, closecallid LIMIT 50"""

_OUTBOUND_SQL = """
SELECT lead_id, campaign_id, call_date, status, phone_number, user, length_in_sec, term_reason
FROM vicidial_log WHERE uniqueid = %s LIMIT 1"""

_AGENT_CAMPAIGN_SQL = """
SELECT campaign_id FROM vicidial_live_agents WHERE user = %s
ORDER BY uniqueid = %s DESC, last_update_time DESC LIMIT 1"""

# While an agent holds the call, their live row carries the dial's caller code.
_CALLER_CODE_SQL = """
SELECT callerid FROM vicidial_live_agents WHERE uniqueid = %s AND callerid <> ''
ORDER BY last_update_time DESC LIMIT 1"""

_AGENT_NAME_SQL = "SELECT full_name FROM vicidial_users WHERE user = %s LIMIT 1"

# `vicidial_id` is the uniqueid, an agent leg's closecallid (recordings started
# from the agent screen) or the caller code (manual dials); indexed.
_RECORDING_BY_CALL_SQL = """
SELECT filename, location, start_time, vicidial_id, user FROM recording_log
WHERE vicidial_id IN ({ids}) ORDER BY start_time, recording_id LIMIT 50"""

_RECORDING_BY_LEAD_SQL = """
SELECT filename, location, start_time, vicidial_id, user FROM recording_log
WHERE lead_id = %s AND start_time BETWEEN %s AND %s
ORDER BY start_time, recording_id LIMIT 1"""

_LIVE_AGENTS_SQL = """
SELECT a.user, u.full_name, a.status, a.campaign_id, a.uniqueid, a.callerid, a.channel,
       a.lead_id, a.calls_today, a.last_update_time
FROM vicidial_live_agents a LEFT JOIN vicidial_users u ON u.user = a.user
ORDER BY a.user"""

# A recording found only through the lead must start near the call: from a
# minute before it to ten minutes after its logged end.
_LEAD_RECORDING_BEFORE = timedelta(minutes=1)
_LEAD_RECORDING_AFTER = timedelta(minutes=10)


class ViciDialDirectory:
    """Read-only view of one ViciDial system (replica preferred, cached)."""

    def __init__(self, settings: ViciDialSettings) -> None:
        self.settings = settings
        self._db = ViciDialDatabase(settings)
        self._calls: TtlCache[str, CallInfo] = TtlCache(settings.cache_ttl_s)
        self._agent_names: TtlCache[str, tuple[str | None]] = TtlCache(settings.cache_ttl_s)
        self._live_agents: TtlCache[str, list[LiveAgent]] = TtlCache(settings.live_agents_ttl_s)

    async def lookup_call(
        self, uniqueid: str, *, use_cache: bool = True, callerid: str | None = None
    ) -> CallInfo | None:
        """The call ViciDial logged under `uniqueid` (inbound first), or None if none yet.

        `callerid` is the dial's caller code when known: manual-dial recordings
        are logged under it. Raises ViciDialError when the database cannot answer.
        """
        canonical = parse_uniqueid(uniqueid)
        if canonical is None:
            log.debug("not an Asterisk uniqueid: %r", uniqueid)
            return None
        if use_cache and (cached := self._calls.get(canonical)) is not None:
            return cached
        inbound = await self._db.fetch_all(_INBOUND_SQL, (canonical,))
        outbound = await self._db.fetch_all(_OUTBOUND_SQL, (canonical,))
        placeholders = frozenset(self.settings.placeholder_statuses)
        if inbound:
            info = await self._inbound_call(
                canonical, inbound, outbound[0] if outbound else None, placeholders
            )
        elif outbound:
            info = _outbound_call(canonical, outbound[0], placeholders)
        else:
            return None
        legs = tuple(
            [dataclasses.replace(leg, agent_name=await self._agent_name(leg.agent)) for leg in info.legs]
        )
        if callerid is None and info.direction == "outbound":
            rows = await self._db.fetch_all(_CALLER_CODE_SQL, (canonical,))
            callerid = _text(rows[0]["callerid"]) if rows else None
        recordings = await self._recordings(info, callerid)
        info = dataclasses.replace(
            info,
            caller_code=callerid,
            agent_name=legs[-1].agent_name if legs else None,
            legs=legs,
            recordings=recordings,
            recording_url=next((r.url for r in reversed(recordings) if r.url), None),
        )
        self._calls.put(canonical, info)
        return info

    async def live_agents(self) -> list[LiveAgent]:
        """Agents logged in right now, with their full names where known."""
        cached = self._live_agents.get("all")
        if cached is not None:
            return list(cached)
        rows = await self._db.fetch_all(_LIVE_AGENTS_SQL)
        agents = [_live_agent(row) for row in rows]
        self._live_agents.put("all", agents)
        return list(agents)

    async def find_uniqueid(self, *, channel: str | None = None, callerid: str | None = None) -> str | None:
        """The uniqueid of the call an agent has on `channel` or ViciDial `callerid` now."""
        conditions, args = [], []
        for column, value in (("channel", channel), ("callerid", callerid)):
            if value:
                conditions.append(f"{column} = %s")
                args.append(value)
        if not conditions:
            return None
        sql = (
            "SELECT uniqueid FROM vicidial_live_agents"
            f" WHERE ({' OR '.join(conditions)}) AND uniqueid <> ''"
            " ORDER BY last_update_time DESC LIMIT 1"
        )
        rows = await self._db.fetch_all(sql, args)
        return parse_uniqueid(_text(rows[0]["uniqueid"])) if rows else None

    async def close(self) -> None:
        await self._db.close()

    async def _inbound_call(
        self,
        uniqueid: str,
        rows: list[dict[str, Any]],
        outbound_row: dict[str, Any] | None,
        placeholders: frozenset[str],
    ) -> CallInfo:
        row = rows[-1]  # the newest leg says where the call is now
        agent = _agent(row["user"])
        campaign = _text(outbound_row["campaign_id"]) if outbound_row else None
        if campaign is None and agent is not None:
            agent_rows = await self._db.fetch_all(_AGENT_CAMPAIGN_SQL, (agent, uniqueid))
            campaign = _text(agent_rows[0]["campaign_id"]) if agent_rows else None
        legs = tuple(_closer_leg(leg_row) for leg_row in rows)
        final = all(_is_final(leg.status, placeholders) for leg in legs)
        status = _text(row["status"])
        return CallInfo(
            uniqueid=uniqueid,
            direction="inbound",
            agent=agent,
            caller_number=_text(row["phone_number"]),
            campaign=campaign,
            in_group=_text(row["campaign_id"]),
            lead_id=_int(row["lead_id"]),
            status=status if _is_final(status, placeholders) else None,
            length_in_sec=_int(row["length_in_sec"]),
            # Queue-time defaults (0 s, NONE) are not facts until the call left the queue.
            queue_seconds=_float(row["queue_seconds"]) if final or _float(row["queue_seconds"]) else None,
            term_reason=_term_reason(row["term_reason"]),
            call_date=row["call_date"],
            closecallid=_int(row["closecallid"]),
            legs=legs,
            status_final=final,
        )

    async def _agent_name(self, agent: str | None) -> str | None:
        if agent is None:
            return None
        cached = self._agent_names.get(agent)
        if cached is not None:
            return cached[0]
        rows = await self._db.fetch_all(_AGENT_NAME_SQL, (agent,))
        name = _text(rows[0]["full_name"]) if rows else None
        self._agent_names.put(agent, (name,))
        return name

    async def _recordings(self, info: CallInfo, callerid: str | None) -> tuple[Recording, ...]:
        ids = [info.uniqueid, *(str(leg.closecallid) for leg in info.legs if leg.closecallid)]
        if callerid:
            ids.append(callerid)
        sql = _RECORDING_BY_CALL_SQL.format(ids=", ".join(["%s"] * len(ids)))
        rows = await self._db.fetch_all(sql, ids)
        if not rows and info.lead_id and isinstance(info.call_date, datetime):
            call_end = info.call_date + timedelta(seconds=max(info.length_in_sec or 0, 0))
            window = (info.lead_id, info.call_date - _LEAD_RECORDING_BEFORE, call_end + _LEAD_RECORDING_AFTER)
            rows = await self._db.fetch_all(_RECORDING_BY_LEAD_SQL, window)
        return tuple(self._recording(row) for row in rows)

    def _recording(self, row: dict[str, Any]) -> Recording:
        filename, location = _text(row["filename"]), _text(row["location"])
        start_time = row["start_time"] if isinstance(row["start_time"], datetime) else None
        url: str | None
        if location and location.lower().startswith(("http://", "https://")):
            url, final = location, True
        else:
            url, final = self._built_url(filename, location, start_time), False
        return Recording(
            filename=filename,
            url=url,
            url_final=final,
            vicidial_id=_text(row["vicidial_id"]),
            user=_text(row["user"]),
            start_time=start_time,
        )

    def _built_url(
        self, filename: str | None, location: str | None, start_time: datetime | None
    ) -> str | None:
        """A URL in ViciDial's own layout, only while `location` is the bare filename or empty."""
        base = self.settings.recordings_url
        bare = location or filename
        if not base or not bare or "/" in bare or "\\" in bare:
            return None  # a path or another server's link: callmon cannot guess where it is
        layout = self.settings.recordings_layout
        if layout == "plain":
            folder = ""
        elif start_time is None:
            return None
        elif layout == "YYYY-MM-DD":
            folder = start_time.strftime("%Y-%m-%d/")
        else:
            folder = start_time.strftime("%Y/%m/%d/")
        name = (
            bare
            if bare.endswith(self.settings.recordings_suffix)
            else f"{bare}{self.settings.recordings_suffix}"
        )
        return f"{base.rstrip('/')}/{folder}{name}"


def _outbound_call(uniqueid: str, row: dict[str, Any], placeholders: frozenset[str]) -> CallInfo:
    status = _text(row["status"])
    final = _is_final(status, placeholders)
    agent = _agent(row["user"])
    leg = AgentLeg(
        agent=agent, agent_name=None, in_group=None, status=status, length_in_sec=_int(row["length_in_sec"])
    )
    return CallInfo(
        uniqueid=uniqueid,
        direction="outbound",
        agent=agent,
        caller_number=_text(row["phone_number"]),
        campaign=_text(row["campaign_id"]),
        lead_id=_int(row["lead_id"]),
        status=status if final else None,
        length_in_sec=_int(row["length_in_sec"]),
        term_reason=_term_reason(row["term_reason"]),
        call_date=row["call_date"],
        legs=(leg,),
        status_final=final,
    )


def _closer_leg(row: dict[str, Any]) -> AgentLeg:
    return AgentLeg(
        agent=_agent(row["user"]),
        agent_name=None,
        in_group=_text(row["campaign_id"]),
        status=_text(row["status"]),
        length_in_sec=_int(row["length_in_sec"]),
        closecallid=_int(row["closecallid"]),
    )


def _is_final(status: str | None, placeholders: frozenset[str]) -> bool:
    return status is not None and status.upper() not in placeholders


def _term_reason(value: Any) -> str | None:
    """`NONE` is the column default until hang-up or wrap-up writes the reason: unknown."""
    text = _text(value)
    return None if text is None or text.upper() == "NONE" else text


def _live_agent(row: dict[str, Any]) -> LiveAgent:
    return LiveAgent(
        user=_text(row["user"]) or "",
        full_name=_text(row["full_name"]),
        status=_text(row["status"]) or "",
        campaign=_text(row["campaign_id"]),
        uniqueid=parse_uniqueid(_text(row["uniqueid"])),
        callerid=_text(row["callerid"]),
        channel=_text(row["channel"]),
        lead_id=_int(row["lead_id"]) or None,
        calls_today=_int(row["calls_today"]) or 0,
        last_update_time=row["last_update_time"],
    )


def _agent(user: Any) -> str | None:
    text = _text(user)
    return None if text is None or text.upper() in NO_AGENT_USERS else text


def _text(value: Any) -> str | None:
    """A column as stripped text; NULL and empty strings both mean unknown."""
    if value is None:
        return None
    text = (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)).strip()
    return text or None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
