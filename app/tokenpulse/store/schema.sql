CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
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
CREATE TABLE chat_session (
	id INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	session_key VARCHAR NOT NULL, 
	parent_key VARCHAR, 
	project VARCHAR, 
	git_branch VARCHAR, 
	first_ms INTEGER NOT NULL, 
	last_ms INTEGER NOT NULL, 
	models VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (source, session_key)
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
CREATE INDEX ix_api_call_ts ON api_call (ts_ms);
CREATE INDEX ix_api_call_session_ts ON api_call (session_id, ts_ms);
CREATE INDEX ix_api_call_message_hash ON api_call (message_hash) WHERE message_hash IS NOT NULL;
CREATE TABLE model_price (
	model VARCHAR NOT NULL, 
	day VARCHAR NOT NULL, 
	rates VARCHAR, 
	PRIMARY KEY (model, day)
);
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
