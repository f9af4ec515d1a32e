"""Every write of the money side: billing, payments, arrears and lapses, budgets, claims."""
