import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { WebSession } from '../../db/web-sessions.js';
import { ApiError, errorTypeOf } from '../errors.js';
import { MessagePage, type LayoutProps } from './layout.js';

/**
 * A page's refusal, thrown like every other refusal: the app's one `onError` answers it with the
 * message page it carries (a person reads these, not a program).
 */
export function refusalPage(status: ContentfulStatusCode, page: { title: string; viewer?: WebSession | undefined; org?: LayoutProps['org']; body: Child }): ApiError {
  return new ApiError(status, errorTypeOf(status), page.title, {}, (c) =>
    c.html(
      <MessagePage title={page.title} viewer={page.viewer} org={page.org}>
        {page.body}
      </MessagePage>,
      status,
    ),
  );
}
