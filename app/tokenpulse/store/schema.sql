CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE app_state (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE chat_session (
	id INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	session_key VARCHAR NOT NULL, 
	parent_key VARCHAR, 
	project VARCHAR, 
	first_ms INTEGER NOT NULL, 
	last_ms INTEGER NOT NULL, 
	models VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (source, session_key)
);
CREATE INDEX ix_chat_session_parent ON chat_session (source, parent_key) WHERE parent_key IS NOT NULL;
CREATE TABLE context_window (
	source VARCHAR NOT NULL, 
	session_key VARCHAR NOT NULL, 
	model VARCHAR, 
	tokens INTEGER NOT NULL, 
	seen_ms INTEGER NOT NULL, 
	PRIMARY KEY (source, session_key)
);
CREATE INDEX ix_context_window_model ON context_window (model, seen_ms);
CREATE TABLE git_repo (
	id INTEGER NOT NULL, 
	git_dir VARCHAR NOT NULL, 
	label VARCHAR NOT NULL, 
	tips VARCHAR NOT NULL, 
	identities_digest VARCHAR NOT NULL, 
	settings_digest VARCHAR NOT NULL, 
	config_stamp VARCHAR NOT NULL, 
	horizon_ms INTEGER, 
	reader_version INTEGER NOT NULL, 
	scanned_ms INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (git_dir)
);
CREATE TABLE limit_hit (
	id INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	ts_ms INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	window_minutes INTEGER, 
	resets_ms INTEGER, 
	session_key VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE (source, kind, ts_ms)
);
CREATE INDEX ix_limit_hit_ts ON limit_hit (ts_ms);
CREATE TABLE limit_snapshot (
	id INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	scope VARCHAR NOT NULL, 
	window_minutes INTEGER NOT NULL, 
	observed_ms INTEGER NOT NULL, 
	seen_ms INTEGER NOT NULL, 
	used_percent FLOAT NOT NULL, 
	resets_ms INTEGER, 
	"plan" VARCHAR, 
	via VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (source, scope, window_minutes, observed_ms)
);
CREATE INDEX ix_limit_snapshot_seen ON limit_snapshot (seen_ms);
CREATE TABLE model_price (
	model VARCHAR NOT NULL, 
	day VARCHAR NOT NULL, 
	rates VARCHAR, 
	PRIMARY KEY (model, day)
);
CREATE TABLE source_file (
	id INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	path VARCHAR NOT NULL, 
	device INTEGER NOT NULL, 
	inode INTEGER NOT NULL, 
	size INTEGER NOT NULL, 
	mtime_ns INTEGER NOT NULL, 
	"offset" INTEGER NOT NULL, 
	tail_hash BLOB, 
	parser_state VARCHAR, 
	lines_skipped INTEGER NOT NULL, 
	missing BOOLEAN NOT NULL, 
	updated_ms INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (path)
);
CREATE TABLE source_health (
	source VARCHAR NOT NULL, 
	last_change_ms INTEGER, 
	last_call_ms INTEGER, 
	last_counted_ms INTEGER, 
	counted_change_ms INTEGER, 
	quiet_since_ms INTEGER, 
	last_uncounted_ms INTEGER, 
	recent_skips VARCHAR NOT NULL, 
	updated_ms INTEGER NOT NULL, 
	PRIMARY KEY (source)
);
CREATE TABLE usage_local_day (
	local_day INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	model VARCHAR NOT NULL, 
	zone VARCHAR NOT NULL, 
	calls INTEGER NOT NULL, 
	input INTEGER NOT NULL, 
	cache_write INTEGER NOT NULL, 
	cache_read INTEGER NOT NULL, 
	output INTEGER NOT NULL, 
	reasoning INTEGER NOT NULL, 
	cost_usd FLOAT, 
	unpriced_calls INTEGER NOT NULL, 
	input_cost FLOAT, 
	cache_write_cost FLOAT, 
	cache_read_cost FLOAT, 
	output_cost FLOAT, 
	PRIMARY KEY (local_day, source, model)
)
 WITHOUT ROWID;
CREATE TABLE usage_local_hour (
	local_day INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	model VARCHAR NOT NULL, 
	hour INTEGER NOT NULL, 
	zone VARCHAR NOT NULL, 
	calls INTEGER NOT NULL, 
	input INTEGER NOT NULL, 
	cache_write INTEGER NOT NULL, 
	cache_read INTEGER NOT NULL, 
	output INTEGER NOT NULL, 
	reasoning INTEGER NOT NULL, 
	cost_usd FLOAT, 
	unpriced_calls INTEGER NOT NULL, 
	input_cost FLOAT, 
	cache_write_cost FLOAT, 
	cache_read_cost FLOAT, 
	output_cost FLOAT, 
	PRIMARY KEY (local_day, source, model, hour)
)
 WITHOUT ROWID;
CREATE TABLE waste_quarter (
	bucket_ms INTEGER NOT NULL, 
	chats INTEGER NOT NULL, 
	calls INTEGER NOT NULL, 
	waste_tokens INTEGER NOT NULL, 
	waste_cost_usd FLOAT, 
	read_cost_usd FLOAT, 
	long_context_read_cost_usd FLOAT, 
	long_chat_read_cost_usd FLOAT, 
	PRIMARY KEY (bucket_ms)
);
CREATE TABLE api_call (
	id INTEGER NOT NULL, 
	dedupe_key BLOB NOT NULL, 
	source VARCHAR NOT NULL, 
	session_id INTEGER NOT NULL, 
	ts_ms INTEGER NOT NULL, 
	model VARCHAR NOT NULL, 
	input INTEGER NOT NULL, 
	cache_write_5m INTEGER NOT NULL, 
	cache_write_1h INTEGER NOT NULL, 
	cache_read INTEGER NOT NULL, 
	output INTEGER NOT NULL, 
	reasoning INTEGER NOT NULL, 
	cost_usd FLOAT, 
	message_hash INTEGER, 
	is_sidechain BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (dedupe_key), 
	FOREIGN KEY(session_id) REFERENCES chat_session (id)
);
CREATE INDEX ix_api_call_message_hash ON api_call (message_hash) WHERE message_hash IS NOT NULL;
CREATE INDEX ix_api_call_session_ts ON api_call (session_id, ts_ms);
CREATE INDEX ix_api_call_ts ON api_call (ts_ms);
CREATE TABLE chat_stats (
	session_id INTEGER NOT NULL, 
	parent_id INTEGER, 
	calls INTEGER NOT NULL, 
	first_context INTEGER NOT NULL, 
	peak_context INTEGER NOT NULL, 
	last_context INTEGER NOT NULL, 
	context_tokens INTEGER NOT NULL, 
	waste_tokens INTEGER NOT NULL, 
	waste_cost_usd FLOAT, 
	cost_usd FLOAT, 
	waste_share FLOAT, 
	family_cost_usd FLOAT, 
	family_waste_cost_usd FLOAT, 
	wrote_1h_cache BOOLEAN NOT NULL, 
	recap_allowance INTEGER NOT NULL, 
	last_ms INTEGER NOT NULL, 
	PRIMARY KEY (session_id), 
	FOREIGN KEY(session_id) REFERENCES chat_session (id), 
	FOREIGN KEY(parent_id) REFERENCES chat_session (id)
);
CREATE INDEX ix_chat_stats_parent ON chat_stats (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE git_commit (
	repo_id INTEGER NOT NULL, 
	sha BLOB NOT NULL, 
	author_ms INTEGER NOT NULL, 
	lines_added INTEGER NOT NULL, 
	lines_removed INTEGER NOT NULL, 
	files_changed INTEGER NOT NULL, 
	PRIMARY KEY (repo_id, sha), 
	FOREIGN KEY(repo_id) REFERENCES git_repo (id) ON DELETE CASCADE
)
 WITHOUT ROWID;
CREATE INDEX ix_git_commit_time ON git_commit (repo_id, author_ms);
CREATE TABLE project_repo (
	project VARCHAR NOT NULL, 
	repo_id INTEGER, 
	problem VARCHAR, 
	checked_ms INTEGER NOT NULL, 
	PRIMARY KEY (project), 
	FOREIGN KEY(repo_id) REFERENCES git_repo (id) ON DELETE SET NULL
);
CREATE TABLE reminder_log (
	id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	rule VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	session_id INTEGER, 
	project VARCHAR, 
	shown_ms INTEGER NOT NULL, 
	followed_ms INTEGER, 
	action VARCHAR, 
	PRIMARY KEY (id), 
	UNIQUE ("key"), 
	FOREIGN KEY(session_id) REFERENCES chat_session (id)
);
CREATE INDEX ix_reminder_log_shown ON reminder_log (shown_ms);
CREATE TABLE usage_chat (
	session_id INTEGER NOT NULL, 
	first_ms INTEGER NOT NULL, 
	last_ms INTEGER NOT NULL, 
	calls INTEGER NOT NULL, 
	input INTEGER NOT NULL, 
	cache_write INTEGER NOT NULL, 
	cache_read INTEGER NOT NULL, 
	output INTEGER NOT NULL, 
	cost_usd FLOAT, 
	PRIMARY KEY (session_id), 
	FOREIGN KEY(session_id) REFERENCES chat_session (id)
);
CREATE INDEX ix_usage_chat_last ON usage_chat (last_ms);
CREATE TABLE usage_rollup (
	session_id INTEGER NOT NULL, 
	bucket_ms INTEGER NOT NULL, 
	model VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	calls INTEGER NOT NULL, 
	input INTEGER NOT NULL, 
	cache_write INTEGER NOT NULL, 
	cache_read INTEGER NOT NULL, 
	output INTEGER NOT NULL, 
	reasoning INTEGER NOT NULL, 
	cost_usd FLOAT, 
	unpriced_calls INTEGER NOT NULL, 
	input_cost FLOAT, 
	cache_write_cost FLOAT, 
	cache_read_cost FLOAT, 
	output_cost FLOAT, 
	PRIMARY KEY (session_id, bucket_ms, model), 
	FOREIGN KEY(session_id) REFERENCES chat_session (id)
)
 WITHOUT ROWID;
CREATE INDEX ix_usage_rollup_bucket ON usage_rollup (bucket_ms);
CREATE TABLE waste_rollup (
	session_id INTEGER NOT NULL, 
	bucket_ms INTEGER NOT NULL, 
	top_level BOOLEAN NOT NULL, 
	calls INTEGER NOT NULL, 
	waste_tokens INTEGER NOT NULL, 
	waste_cost_usd FLOAT, 
	read_cost_usd FLOAT, 
	long_context_read_cost_usd FLOAT, 
	long_chat_read_cost_usd FLOAT, 
	PRIMARY KEY (session_id, bucket_ms), 
	FOREIGN KEY(session_id) REFERENCES chat_session (id)
)
 WITHOUT ROWID;
CREATE INDEX ix_waste_rollup_bucket ON waste_rollup (bucket_ms);
