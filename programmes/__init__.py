"""Programme, module, activity and survey pages, and learning progress."""
