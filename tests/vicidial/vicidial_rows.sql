-- A morning of ViciDial traffic on 2024-05-28 (server clock UTC), one row set
-- per case the enrichment must handle. Uniqueids are Asterisk epoch.sequence.

-- 6004 was created without a full name (''), 6005 with NULL.
INSERT INTO vicidial_users (user, pass, full_name, user_level, user_group, phone_login, phone_pass) VALUES
('6001', 'x', 'Maria Lopez', 1, 'AGENTS', '6001', 'x'),
('6002', 'x', 'Tom Becker', 1, 'AGENTS', '6002', 'x'),
('6003', 'x', 'Aisha Khan', 1, 'AGENTS', '6003', 'x'),
('6004', 'x', '', 1, 'AGENTS', '6004', 'x'),
('6005', 'x', NULL, 1, 'AGENTS', '6005', 'x'),
('6006', 'x', 'Priya Nair', 1, 'AGENTS', '6006', 'x'),
('admin', 'x', 'Admin', 9, 'ADMIN', '', '');

-- 1. Inbound, answered in in-group SUPPORT_EN by 6001 (still logged in to campaign INBND);
--    recording logged against the closecallid with a web location.
INSERT INTO vicidial_closer_log (closecallid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch,
  length_in_sec, status, phone_code, phone_number, user, processed, queue_seconds, user_group, term_reason, uniqueid)
VALUES (9001, 100231, 998, 'SUPPORT_EN', '2024-05-28 16:05:46', 1716912346, 1716912658,
  312, 'CALLBK', '1', '3125550147', '6001', 'N', 14.50, 'AGENTS', 'CALLER', '1716912345.4821');
INSERT INTO recording_log (channel, server_ip, extension, start_time, start_epoch, end_time, end_epoch,
  length_in_sec, length_in_min, filename, location, lead_id, user, vicidial_id)
VALUES ('Local/58600051@default-0000a1f2;1', '10.0.0.5', '8309', '2024-05-28 16:06:00', 1716912360,
  '2024-05-28 16:10:58', 1716912658, 298, 4.97, '20240528-160600_3125550147_6001',
  'http://10.0.0.5/RECORDINGS/MP3/20240528-160600_3125550147_6001-all.mp3', 100231, '6001', '9001');

-- 2. Inbound, queued in SALES (6002 took it), then transferred to BILLING where
--    6006 finished it: two closer_log rows for one uniqueid, the newest wins.
--    6006 has logged out since, so the agent's campaign is unknown.
INSERT INTO vicidial_closer_log (closecallid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch,
  length_in_sec, status, phone_code, phone_number, user, processed, queue_seconds, user_group, term_reason, uniqueid)
VALUES
(9002, 100245, 998, 'SALES', '2024-05-28 16:16:41', 1716913001, 1716913121,
  120, 'XFER', '1', '7735550188', '6002', 'N', 3.00, 'AGENTS', 'AGENT', '1716913000.4900'),
(9003, 100245, 998, 'BILLING', '2024-05-28 16:18:45', 1716913125, 1716913305,
  180, 'PAID', '1', '7735550188', '6006', 'N', 22.25, 'AGENTS', 'CALLER', '1716913000.4900');

-- 3. Outbound from campaign OUTSALES by 6004 (no full name). Its recording has
--    no vicidial_id and no web location yet: found by lead and call time, URL
--    built from the date folder. The same lead's recording of the next day must not match.
INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch,
  length_in_sec, status, phone_code, phone_number, user, processed, user_group, term_reason)
VALUES ('1716914000.5001', 100300, 1001, 'OUTSALES', '2024-05-28 16:33:20', 1716914000, 1716914095,
  95, 'NI', '1', '3125550199', '6004', 'N', 'AGENTS', 'AGENT');
INSERT INTO recording_log (channel, server_ip, extension, start_time, start_epoch, end_time, end_epoch,
  length_in_sec, length_in_min, filename, location, lead_id, user, vicidial_id)
VALUES
('Local/58600052@default-0000a2a0;1', '10.0.0.5', '8309', '2024-05-28 16:33:25', 1716914005,
  '2024-05-28 16:34:55', 1716914095, 90, 1.50, '20240528-163325_3125550199', '', 100300, '6004', NULL),
('Local/58600052@default-0000b311;1', '10.0.0.5', '8309', '2024-05-29 10:02:00', 1716976920,
  '2024-05-29 10:04:00', 1716977040, 120, 2.00, '20240529-100200_3125550199', '', 100300, '6004', NULL);

-- 4. Outbound answered by the dialer and dropped (no agent: user VDAD).
INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch,
  length_in_sec, status, phone_code, phone_number, user, processed, user_group, term_reason)
VALUES ('1716915000.5100', 100311, 1001, 'OUTSALES', '2024-05-28 16:50:00', 1716915000, 1716915003,
  3, 'DROP', '1', '6305550123', 'VDAD', 'N', '', 'ABANDON');

-- 5. Outbound from OUTSALES transferred to the CLOSERS in-group: both logs share
--    the uniqueid; inbound wins, the campaign comes from the outbound row.
INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch,
  length_in_sec, status, phone_code, phone_number, user, processed, user_group, term_reason)
VALUES ('1716916000.5200', 100320, 1001, 'OUTSALES', '2024-05-28 17:06:40', 1716916000, 1716916060,
  60, 'XFER', '1', '8475550100', '6004', 'N', 'AGENTS', 'AGENT');
INSERT INTO vicidial_closer_log (closecallid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch,
  length_in_sec, status, phone_code, phone_number, user, processed, queue_seconds, user_group, term_reason, uniqueid)
VALUES (9004, 100320, 1001, 'CLOSERS', '2024-05-28 17:07:41', 1716916061, 1716916400,
  339, 'SALE', '1', '8475550100', '6002', 'N', 1.00, 'AGENTS', 'CALLER', '1716916000.5200');

-- Who is logged in now. 6001 is still on call 1; 6005 has no full name.
INSERT INTO vicidial_live_agents (user, server_ip, conf_exten, extension, status, lead_id, campaign_id,
  uniqueid, callerid, channel, random_id, last_call_time, last_update_time, last_call_finish,
  closer_campaigns, call_server_ip, user_level, calls_today)
VALUES
('6001', '10.0.0.5', '8600051', 'SIP/6001', 'INCALL', 100231, 'INBND', '1716912345.4821',
  'Y5281605450000100231', 'SIP/carrier-00000a1f', 51234567, '2024-05-28 16:05:46', '2024-05-28 16:09:00',
  '2024-05-28 15:58:10', ' SUPPORT_EN SALES -', '10.0.0.5', 1, 17),
('6002', '10.0.0.5', '8600052', 'SIP/6002', 'READY', 0, 'INBND', '', '', '', 51234568,
  '2024-05-28 17:07:41', '2024-05-28 16:09:00', '2024-05-28 17:13:20', ' SALES CLOSERS -', '10.0.0.5', 1, 23),
('6003', '10.0.0.5', '8600053', 'SIP/6003', 'PAUSED', 0, 'INBND', '', '', '', 51234569,
  '2024-05-28 15:40:00', '2024-05-28 16:09:00', '2024-05-28 15:45:00', ' BILLING -', '10.0.0.5', 1, 9),
('6005', '10.0.0.5', '8600054', 'SIP/6005', 'QUEUE', 100400, 'OUTSALES', '1716917000.5300',
  'V5281723200000100400', 'SIP/carrier-00000b02', 51234570, '2024-05-28 17:23:20', '2024-05-28 16:09:00',
  '2024-05-28 17:20:00', '', '10.0.0.5', 1, 4);
