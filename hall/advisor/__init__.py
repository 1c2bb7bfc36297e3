"""The staffing advisor: a workload model learned from the hall's record, a simulator that runs the hall's
own routing policy, the Erlang-C staffing bound confirmed by simulation, wait predictors that measure their
own error, and the clerks' daily assessment figures. Pure Python: no Flask, no storage."""
