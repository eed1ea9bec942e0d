-- Actions and refusals are pruned each within its own budget: a flood of
-- refused requests cannot push operators' and admins' actions out.
CREATE INDEX audit_outcome ON audit (outcome, id);
