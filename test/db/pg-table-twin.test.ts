import { sql } from 'drizzle-orm';
import { getTableConfig as getPgTableConfig, PgDialect } from 'drizzle-orm/pg-core';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { pgTableTwin } from '../../src/db/pg-table-twin.js';

describe('pgTableTwin', () => {
  it('keeps names, keys, partial indexes and foreign keys, and points references at the twins', () => {
    const teams = sqliteTable('teams', { id: integer('id').primaryKey({ autoIncrement: true }), slug: text('slug').notNull() });
    const members = sqliteTable(
      'team_members',
      {
        teamId: integer('team_id')
          .notNull()
          .references(() => teams.id, { onDelete: 'cascade' }),
        login: text('login').notNull(),
        role: text('role', { enum: ['member', 'maintainer'] }).notNull().default('member'),
        active: integer('active', { mode: 'boolean' }).notNull().default(true),
      },
      (t) => [
        primaryKey({ name: 'team_members_pk', columns: [t.teamId, t.login] }),
        index('team_members_login_idx').on(t.login).where(sql`${t.active} = TRUE`),
      ],
    );
    const teamsTwin = pgTableTwin(teams);
    const config = getPgTableConfig(pgTableTwin(members));
    expect(config.name).toBe('team_members');
    expect(config.columns.map((c) => `${c.name} ${c.getSQLType()} ${c.notNull ? 'not null' : 'null'} ${String(c.default)}`)).toEqual([
      'team_id bigint not null undefined',
      'login text not null undefined',
      'role text not null member',
      'active boolean not null true',
    ]);
    expect(config.columns[2]!.enumValues).toEqual(['member', 'maintainer']);
    expect(config.primaryKeys.map((pk) => [pk.getName(), pk.columns.map((c) => c.name)])).toEqual([['team_members_pk', ['team_id', 'login']]]);
    const [ix] = config.indexes;
    expect(ix!.config.name).toBe('team_members_login_idx');
    expect(new PgDialect().sqlToQuery(ix!.config.where!).sql).toBe('"team_members"."active" = TRUE');
    const [fk] = config.foreignKeys;
    expect(fk!.reference().foreignTable).toBe(teamsTwin);
    expect(fk!.onDelete).toBe('cascade');
    expect(getPgTableConfig(teamsTwin).columns[0]!.generatedIdentity?.type).toBe('byDefault');
  });

  it('refuses what it cannot map, naming the column', () => {
    const stamped = sqliteTable('stamped', { at: integer('at').notNull().default(sql`(unixepoch())`) });
    expect(() => pgTableTwin(stamped)).toThrow('stamped.at: a SQL default has no automatic PostgreSQL twin');
    const parent = sqliteTable('parent', { id: integer('id').primaryKey() });
    const child = sqliteTable('child', { parentId: integer('parent_id').references(() => parent.id) });
    expect(() => pgTableTwin(child)).toThrow('child: make the twin of parent before the twin of child');
  });
});
