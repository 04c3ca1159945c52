//! Render: findings and reports as table, JSON, SARIF, GitHub, Markdown, CSV, HTML.
