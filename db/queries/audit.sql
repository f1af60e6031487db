-- name: RecordAuditEvent :exec
INSERT INTO audit_events (event, user_id, actor_id, organization_id, ip, user_agent, details)
VALUES (@event, @user_id, @actor_id, @organization_id, @ip, @user_agent, @details);
