import type { RequestHandler } from 'express';
import type { StaffRole } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';

/** 403 `forbidden_role` unless the staff member (set by requireStaff) has one of `roles`. */
export function requireRole(...roles: StaffRole[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.staff || !roles.includes(req.staff.role)) {
      throw new HttpError(403, 'forbidden_role', `This needs the role ${roles.join(' or ')}`);
    }
    next();
  };
}
