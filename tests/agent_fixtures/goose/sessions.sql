-- Goose's session store (crates/goose/src/session/session_manager.rs), the columns that matter, as Goose writes
-- them: created_at by SQLite's CURRENT_TIMESTAMP (UTC text), model_config_json from the model config, running
-- totals in accumulated_* after every reply, the last reply's context in input/output/total_tokens.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
    session_type TEXT NOT NULL DEFAULT 'user', working_dir TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    extension_data TEXT DEFAULT '{}', total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER,
    accumulated_total_tokens INTEGER, accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER,
    schedule_id TEXT, recipe_json TEXT, user_recipe_values_json TEXT, provider_name TEXT,
    model_config_json TEXT, goose_mode TEXT NOT NULL DEFAULT 'auto', archived_at TIMESTAMP, project_id TEXT);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT, session_id TEXT NOT NULL,
    role TEXT NOT NULL, content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL,
    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, tokens INTEGER, metadata_json TEXT);
INSERT INTO sessions (id, name, working_dir, created_at, updated_at, provider_name, model_config_json,
    total_tokens, input_tokens, output_tokens, accumulated_total_tokens, accumulated_input_tokens,
    accumulated_output_tokens) VALUES
 ('20260111_1', 'fix tests', '/home/u/proj-a', '2026-01-11 08:00:00', '2026-01-11 09:30:00', 'anthropic',
  '{"model_name":"claude-sonnet-4-5","context_limit":200000,"temperature":null}', 14300, 14000, 300,
  55100, 52000, 3100),
 ('20260111_2', 'older goose', '/home/u/proj-b', '2026-01-11T20:15:00Z', '2026-01-11T21:00:00Z', 'openai',
  '{"model_name":"gpt-5"}', 9000, 8000, 1000, NULL, NULL, NULL),
 ('20260112_1', 'reasoning', '/home/u/proj-a', '2026-01-12 07:00:00', '2026-01-12 07:30:00', 'openai',
  '{"model_name":"gpt-5"}', 4000, 3500, 500, 12500, 10000, 2000),
 ('20260112_2', 'no model yet', '/home/u/proj-c', '2026-01-12 10:00:00', '2026-01-12 10:00:00', NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ('20260112_3', 'never answered', '/home/u/proj-c', '2026-01-12 11:00:00', '2026-01-12 11:00:00', 'anthropic',
  '{"model_name":"claude-sonnet-4-5"}', 0, 0, 0, 0, 0, 0);
INSERT INTO messages (message_id, session_id, role, content_json, created_timestamp) VALUES
 ('m1', '20260111_1', 'user', '[{"type":"text","text":"private prompt"}]', 1768118400);
