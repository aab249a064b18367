-- Hermes Agent's state store (hermes_state.py, hermes_state_usage.py): one row per session with its token
-- totals (input = uncached input; cache reads and writes apart; reasoning part of output), started_at in
-- epoch seconds (REAL).
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, user_id TEXT, model TEXT, model_config TEXT, system_prompt TEXT,
    parent_session_id TEXT, started_at REAL NOT NULL, ended_at REAL, end_reason TEXT,
    message_count INTEGER DEFAULT 0, tool_call_count INTEGER DEFAULT 0, input_tokens INTEGER DEFAULT 0,
    output_tokens INTEGER DEFAULT 0, cache_read_tokens INTEGER DEFAULT 0, cache_write_tokens INTEGER DEFAULT 0,
    reasoning_tokens INTEGER DEFAULT 0, billing_provider TEXT, billing_base_url TEXT, billing_mode TEXT,
    estimated_cost_usd REAL, actual_cost_usd REAL, cost_status TEXT, cost_source TEXT, pricing_version TEXT,
    title TEXT, api_call_count INTEGER DEFAULT 0);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT NULL,
    content TEXT, timestamp REAL NOT NULL);
INSERT INTO sessions (id, source, model, system_prompt, parent_session_id, started_at, message_count,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, billing_provider,
    estimated_cost_usd, actual_cost_usd, api_call_count) VALUES
 ('20260113_090000_a1b2c3', 'cli', 'claude-sonnet-4-5', 'private system prompt', NULL, 1768294800.25, 42,
  1200, 3000, 250000, 18000, 0, 'anthropic', 1.23, NULL, 17),
 ('20260113_120000_d4e5f6', 'telegram', 'gpt-5', NULL, NULL, 1768305600.0, 10,
  9000, 1500, 40000, 0, 600, 'openai', 0.0, 0.0, 5),
 ('20260114_080000_aaaaaa', 'cli', 'gpt-5', NULL, '20260113_120000_d4e5f6', 1768377600.5, 6,
  300, 200, 12000, 0, 50, 'openai', NULL, NULL, 3),
 ('20260114_090000_bbbbbb', 'cli', NULL, NULL, NULL, 1768381200.0, 1, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0),
 ('20260114_100000_cccccc', 'cli', 'claude-haiku-4-5', NULL, NULL, 1768384800.0, 2, 0, 0, 0, 0, 0, 'anthropic',
  NULL, NULL, 0);
INSERT INTO messages (session_id, role, content, timestamp) VALUES
 ('20260113_090000_a1b2c3', 'user', 'private prompt', 1768294801.0);
