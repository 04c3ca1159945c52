//! The fleet: the hosts images are judged against.
