"""Rows written the way ViciDial writes them through a call's life.

Inbound: the call is queued (closer log row: status QUEUE, user VDCL, the
queue-time defaults queue_seconds 0 and term_reason NONE), an agent picks it
up (INCALL, the queue time, the agent's live row), the agent screen starts a
recording keyed to that agent's closecallid (location still empty), hang-up
writes the placeholder DISPO with end time and length and leaves the bare
filename as the location, the agent's wrap-up writes the disposition and
term_reason, and the audio cron (every 3 minutes) writes the URL. A transfer
to another in-group adds a closer log row for the next agent (same uniqueid).
A manual dial logs to vicidial_log and keys its recording by the caller code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pymysql


class ViciDialWrites:
    def __init__(self, admin: pymysql.connections.Connection) -> None:
        self.admin = admin

    def _execute(self, sql: str, args: tuple[object, ...] = ()) -> int:
        with self.admin.cursor() as cursor:
            cursor.execute(sql, args)
            return int(cursor.lastrowid or 0)

    def queue_inbound(self, uniqueid: str, lead_id: int, in_group: str, phone: str, at: datetime) -> int:
        """The call enters an in-group's queue; returns its closecallid."""
        return self._execute(
            "INSERT INTO vicidial_closer_log (lead_id, list_id, campaign_id, call_date, start_epoch, status,"
            " phone_code, phone_number, user, processed, uniqueid)"
            " VALUES (%s, 998, %s, %s, UNIX_TIMESTAMP(%s), 'QUEUE', '1', %s, 'VDCL', 'N', %s)",
            (lead_id, in_group, at, at, phone, uniqueid),
        )

    def pick_up(self, closecallid: int, user: str, queue_seconds: float, uniqueid: str, lead_id: int) -> None:
        self._execute(
            "UPDATE vicidial_closer_log SET user = %s, status = 'INCALL', queue_seconds = %s,"
            " user_group = 'AGENTS' WHERE closecallid = %s",
            (user, queue_seconds, closecallid),
        )
        self._execute(
            "UPDATE vicidial_live_agents SET status = 'INCALL', uniqueid = %s, lead_id = %s,"
            " last_call_time = NOW() WHERE user = %s",
            (uniqueid, lead_id, user),
        )

    def start_recording(self, vicidial_id: str, lead_id: int, user: str, at: datetime, filename: str) -> int:
        """The agent screen starts recording; returns the recording_id."""
        return self._execute(
            "INSERT INTO recording_log (channel, server_ip, extension, start_time, start_epoch, filename,"
            " lead_id, user, vicidial_id) VALUES ('Local/58600051@default-00001;1', '10.0.0.5', '8309',"
            " %s, UNIX_TIMESTAMP(%s), %s, %s, %s, %s)",
            (at, at, filename, lead_id, user, vicidial_id),
        )

    def hang_up(self, closecallid: int, length_in_sec: int, recording_id: int | None, user: str) -> None:
        """Hang-up: the placeholder DISPO, end time and length; the recording stops."""
        self._execute(
            "UPDATE vicidial_closer_log SET status = 'DISPO', length_in_sec = %s,"
            " end_epoch = start_epoch + %s WHERE closecallid = %s",
            (length_in_sec, length_in_sec, closecallid),
        )
        if recording_id is not None:
            self.stop_recording(recording_id)
        self._execute("UPDATE vicidial_live_agents SET status = 'PAUSED' WHERE user = %s", (user,))

    def stop_recording(self, recording_id: int) -> None:
        self._execute(
            "UPDATE recording_log SET end_time = start_time + INTERVAL 60 SECOND, end_epoch = start_epoch + 60,"
            " length_in_sec = 60, length_in_min = 1.00, location = filename WHERE recording_id = %s",
            (recording_id,),
        )

    def wrap_up(self, closecallid: int, status: str, term_reason: str) -> None:
        self._execute(
            "UPDATE vicidial_closer_log SET status = %s, term_reason = %s WHERE closecallid = %s",
            (status, term_reason, closecallid),
        )

    def audio_cron(self, recording_id: int, base_url: str, folder: str = "") -> str:
        """The cron's mix-and-move: location becomes the URL; returns it."""
        with self.admin.cursor() as cursor:
            cursor.execute("SELECT filename FROM recording_log WHERE recording_id = %s", (recording_id,))
            (filename,) = cursor.fetchone()
        url = f"{base_url}/{folder}{filename}-all.mp3"
        self._execute("UPDATE recording_log SET location = %s WHERE recording_id = %s", (url, recording_id))
        return url

    def transfer(
        self, closecallid: int, uniqueid: str, lead_id: int, in_group: str, phone: str, at: datetime
    ) -> int:
        """The agent sends the call to another in-group: their leg ends XFER, a new leg queues."""
        self._execute(
            "UPDATE vicidial_closer_log SET status = 'XFER', term_reason = 'AGENT',"
            " length_in_sec = UNIX_TIMESTAMP(%s) - start_epoch, end_epoch = UNIX_TIMESTAMP(%s)"
            " WHERE closecallid = %s",
            (at, at, closecallid),
        )
        return self.queue_inbound(uniqueid, lead_id, in_group, phone, at + timedelta(seconds=1))

    def manual_dial(
        self, uniqueid: str, caller_code: str, lead_id: int, user: str, phone: str, at: datetime
    ) -> int:
        """An agent's manual dial: a vicidial_log row and a recording keyed by the caller code."""
        self._execute(
            "INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, start_epoch, status,"
            " phone_code, phone_number, user, processed, user_group)"
            " VALUES (%s, %s, 1001, 'OUTSALES', %s, UNIX_TIMESTAMP(%s), 'INCALL', '1', %s, %s, 'N', 'AGENTS')",
            (uniqueid, lead_id, at, at, phone, user),
        )
        self._execute(
            "UPDATE vicidial_live_agents SET status = 'INCALL', uniqueid = %s, callerid = %s, lead_id = %s"
            " WHERE user = %s",
            (uniqueid, caller_code, lead_id, user),
        )
        return self.start_recording(
            caller_code, lead_id, user, at + timedelta(seconds=2), f"MANUAL_{caller_code}"
        )
