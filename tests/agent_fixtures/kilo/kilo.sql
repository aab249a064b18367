-- Kilo CLI's store (an OpenCode fork: packages/opencode/src/session/session.sql.ts): message rows whose `data`
-- holds the message without its id and session id; tokens{input (uncached), output, reasoning, cache{read, write}}.
CREATE TABLE session (id text PRIMARY KEY NOT NULL, project_id text NOT NULL, parent_id text, slug text NOT NULL,
    directory text NOT NULL, title text NOT NULL, version text NOT NULL, time_created integer NOT NULL,
    time_updated integer NOT NULL);
CREATE TABLE message (id text PRIMARY KEY NOT NULL, session_id text NOT NULL, time_created integer NOT NULL,
    time_updated integer NOT NULL, data text NOT NULL);
CREATE TABLE part (id text PRIMARY KEY NOT NULL, message_id text NOT NULL, session_id text NOT NULL,
    time_created integer NOT NULL, time_updated integer NOT NULL, data text NOT NULL);
INSERT INTO session VALUES ('ses_k1', 'prj_1', NULL, 'calm-river', '/home/u/proj-k', 'kilo fixture', '1.0.0',
    1768467600000, 1768467600000);
INSERT INTO message VALUES
 ('msg_k0', 'ses_k1', 1768467600000, 1768467600000,
  '{"role":"user","time":{"created":1768467600000},"agent":"code","model":{"providerID":"kilo","modelID":"anthropic/claude-sonnet-4.5"}}'),
 ('msg_k1', 'ses_k1', 1768467601000, 1768467610000,
  '{"role":"assistant","parentID":"msg_k0","modelID":"anthropic/claude-sonnet-4.5","providerID":"kilo","mode":"code","path":{"cwd":"/home/u/proj-k","root":"/home/u/proj-k"},"cost":0.02,"time":{"created":1768467601000,"completed":1768467610000},"tokens":{"input":100,"output":50,"reasoning":5,"cache":{"read":10,"write":20}}}'),
 ('msg_k2', 'ses_k1', 1768467700000, 1768467720000,
  '{"role":"assistant","parentID":"msg_k0","modelID":"anthropic/claude-sonnet-4.5","providerID":"kilo","mode":"code","path":{"cwd":"/home/u/proj-k","root":"/home/u/proj-k"},"cost":0.01,"time":{"created":1768467700000,"completed":1768467720000},"tokens":{"input":40,"output":300,"reasoning":0,"cache":{"read":12000,"write":900}}}'),
 ('msg_k3', 'ses_k1', 1768554000000, 1768554030000,
  '{"role":"assistant","parentID":"msg_k0","modelID":"gpt-5","providerID":"openai","mode":"code","path":{"cwd":"/home/u/proj-k","root":"/home/u/proj-k"},"cost":0.0,"time":{"created":1768554000000,"completed":1768554030000},"tokens":{"input":2000,"output":120,"reasoning":0,"cache":{"read":0,"write":0}}}');
INSERT INTO part VALUES ('prt_k1', 'msg_k1', 'ses_k1', 1768467610000, 1768467610000,
  '{"type":"step-finish","tokens":{"input":100,"output":50,"reasoning":5,"cache":{"read":10,"write":20}}}');
