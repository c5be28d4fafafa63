//! Fake FunnelFox and Closient servers (see issue: fakes).
