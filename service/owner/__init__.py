"""The owner's loop: what visitors leave (contacts, questions, feedback), the tools the model records
them with, the owner's notifications and answers, and statistics."""
