"""Grade codes and grade validation: what a rubric allows and how grades are encoded."""
